"""Advisors (seed 002): personas, the marketplace, advisory boards, team templates, advisor memory, thread summaries."""
