"""Calendar events normalized from iCalendar, and their recurrences expanded for reads."""
