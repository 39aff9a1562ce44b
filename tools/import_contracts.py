"""Import-linter contract types for the rules the built-in ones cannot say.

``feature_stores``: inside a service, a feature's MongoDB store is that feature's own. Code of
another feature reaches its data through the feature's service (or the models it publishes),
so a collection has one owner that decides how it is read, written and erased. The service's
composition root (``main``, ``deps``) may import any store: it builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output

STORE = "store"


@dataclass(frozen=True, order=True)
class Reach:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


def feature_of(module: str, service: str) -> str | None:
    """The feature package ``module`` belongs to (``muninn_x.notes.service`` → ``notes``)."""
    if not module.startswith(service + "."):
        return None
    rest = module[len(service) + 1 :].split(".")
    return rest[0] if len(rest) > 1 else None


def is_store(module: str) -> bool:
    """A feature's store: ``<feature>.store`` or a module inside a ``<feature>.store`` package."""
    return STORE in module.split(".")[2:3] + module.split(".")[-1:]


class FeatureStoresContract(Contract):
    """A feature imports no other feature's store.

    Options:
        - services: the service packages to check, each a package of feature packages.
        - composition_roots: top-level modules of a service allowed to import every store
          (default ``main`` and ``deps``).
    """

    type_name = "feature_stores"

    services = fields.ListField(subfield=fields.ModuleField())
    composition_roots = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        roots: set[str] = set(self.composition_roots or ("main", "deps"))  # type: ignore[arg-type]
        reaches: list[Reach] = []
        for service_module in self.services:  # type: ignore[attr-defined]
            service = service_module.name
            for imported in sorted(graph.find_descendants(service)):
                owner = feature_of(imported, service)
                if owner is None or not is_store(imported):
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    top = importer.removeprefix(service + ".").split(".")[0]
                    if not importer.startswith(service + ".") or top in roots:
                        continue
                    if feature_of(importer, service) == owner:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = tuple(sorted(d["line_number"] for d in details))
                    reaches.append(Reach(importer, imported, lines))
        return ContractCheck(kept=not reaches, metadata={"reaches": sorted(reaches)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for reach in check.metadata["reaches"]:
            lines = ", ".join(f"l.{n}" for n in reach.line_numbers)
            output.print_error(f"{reach.importer} -> {reach.imported} ({lines})", bold=False)
        output.new_line()
        output.print(
            "Call the owning feature's service instead, or move the shared part into the "
            "feature's models."
        )
