"""Muninn scheduler service: Reminders, tasks, experiences and follow-ups, notifications, durable timers."""
