"""Meeting briefings and per-contact AI memories (summary, briefing, talking points)."""
