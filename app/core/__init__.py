"""Pure domain rules of Clausekeeper: plain data in, plain data out. No Qt, no SQLAlchemy."""
