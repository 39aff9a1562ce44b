"""HTTP contracts between services: the bodies one service sends another, as pydantic models.

As ``muninn_shared.events`` is for events: the producer's router answers with the model (or a
model derived from it), and the consumer validates what it receives with the same model instead
of reading a dict with ``.get()``, so a change on one side that the other cannot read fails
validation (and the contract tests) rather than turning into silently missing data.
"""
