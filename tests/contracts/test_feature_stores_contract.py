"""The import contract "a feature's store is its own" flags exactly the reaches it should."""

from __future__ import annotations

import grimp
from importlinter.domain.contract import ContractCheck

from tools.import_contracts import FeatureStoresContract, feature_of, is_store


def graph_with(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    graph.add_module("svc")
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="")
    return graph


def check(graph: grimp.ImportGraph) -> ContractCheck:
    contract = FeatureStoresContract(
        name="stores",
        session_options={"root_packages": ["svc"]},
        contract_options={"services": ["svc"]},
    )
    return contract.check(graph, verbose=False)


def test_feature_and_store_names() -> None:
    assert feature_of("svc.notes.service", "svc") == "notes"
    assert feature_of("svc.main", "svc") is None
    assert is_store("svc.notes.store")
    assert is_store("svc.notes.store.queries")
    assert not is_store("svc.notes.storage_rules")


def test_a_reach_into_another_features_store_breaks_the_contract() -> None:
    broken = check(
        graph_with(
            ("svc.notes.service", "svc.tags.store"),
            ("svc.notes.service", "svc.notes.store"),
            ("svc.main", "svc.tags.store"),
            ("svc.notes.service", "svc.tags.service"),
        )
    )
    assert not broken.kept
    reaches = broken.metadata["reaches"]
    assert [(r.importer, r.imported) for r in reaches] == [("svc.notes.service", "svc.tags.store")]


def test_own_store_service_calls_and_the_composition_root_keep_it() -> None:
    kept = check(
        graph_with(
            ("svc.notes.service", "svc.notes.store"),
            ("svc.deps", "svc.tags.store"),
            ("svc.main", "svc.notes.store"),
            ("svc.notes.service", "svc.tags.service"),
        )
    )
    assert kept.kept
