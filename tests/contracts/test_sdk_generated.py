"""The SDK's committed models and resources are what the services' contracts generate now.

Each service's app is built in-process and the documents merged as the gateway merges them
(tools/generate_sdk.py): a changed model, a new route or a removed one fails here until
``make sdk`` is run and its output committed, so the SDK cannot drift from the API.
"""

from __future__ import annotations

from muninn_client import OPERATIONS

from tools.generate_sdk import render, stale_files
from tools.sdk_codegen.operations import collect_operations
from tools.sdk_codegen.source import merged_document


def test_the_committed_sdk_is_generated_from_the_current_api() -> None:
    document = merged_document()
    stale = stale_files(render(document))
    assert stale == [], f"run `make sdk` and commit: {stale} differ from the services' contracts"
    operations = {op.key for op in collect_operations(document)}
    assert operations == set(OPERATIONS)
    assert len(operations) > 200
