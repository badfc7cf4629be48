"""English: Django's dates ("Dec. 3, 2026"), with times on the 24-hour clock that reminder
times use everywhere ("Dec. 3, 2026, 09:42", not "9:42 a.m.")."""

DATETIME_FORMAT = "N j, Y, H:i"
