"""Excel and iCalendar writers, workbook and foreign-register import. No Qt here."""
