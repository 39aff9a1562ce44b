"""The user preferences memory acts on (retention, long-term memory, time zone), from identity."""
