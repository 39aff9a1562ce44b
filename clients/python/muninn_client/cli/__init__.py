"""The `muninn` command line (install the `cli` extra: typer and rich)."""
