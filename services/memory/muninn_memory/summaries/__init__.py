"""Periodic (week/month) summaries of a user's memories: insights, events, learned preferences."""
