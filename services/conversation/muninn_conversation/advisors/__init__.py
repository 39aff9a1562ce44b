"""Advisors: personas, the marketplace, advisory boards, team templates, advisor memory, thread summaries."""
