"""``python -m muninn_shared.deadletters``: see :mod:`muninn_shared.deadletters.cli`."""

from muninn_shared.deadletters.cli import main

main()
