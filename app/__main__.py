"""`python -m app` runs the command line, like the `clausekeeper` entry point."""

from app.cli import main

raise SystemExit(main())
