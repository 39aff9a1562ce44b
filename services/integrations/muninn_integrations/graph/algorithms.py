"""Path search, clusters and common neighbours over an in-memory weighted graph (pure)."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

Adjacency = Mapping[str, Mapping[str, float]]
"""node → neighbour → strength in (0, 1]."""


@dataclass(frozen=True)
class BestPath:
    nodes: tuple[str, ...]
    strengths: tuple[float, ...]  # of each hop, in order

    @property
    def strength(self) -> float:
        return math.prod(self.strengths)


def adjacency(edges: Iterable[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    graph: dict[str, dict[str, float]] = {}
    for a, b, strength in edges:
        if strength <= 0 or a == b:
            continue
        graph.setdefault(a, {})[b] = strength
        graph.setdefault(b, {})[a] = strength
    return graph


def best_path(graph: Adjacency, origin: str, target: str, max_hops: int) -> BestPath | None:
    """The path of at most ``max_hops`` edges maximising the product of its strengths:
    Dijkstra on -ln(strength) (non-negative, since strengths are ≤ 1), over (node, hops) so
    that a cheaper but longer way to a node does not hide a shorter one within the limit."""
    if origin == target:
        return BestPath((origin,), ())
    start = (0.0, 0, origin)
    queue: list[tuple[float, int, str]] = [start]
    settled: set[tuple[str, int]] = set()
    previous: dict[tuple[str, int], tuple[str, int]] = {}
    cost: dict[tuple[str, int], float] = {(origin, 0): 0.0}
    while queue:
        spent, hops, node = heapq.heappop(queue)
        if (node, hops) in settled:
            continue
        settled.add((node, hops))
        if node == target:
            return _unwind(graph, previous, (node, hops))
        if hops == max_hops:
            continue
        for neighbour, strength in graph.get(node, {}).items():
            if strength <= 0:
                continue
            state = (neighbour, hops + 1)
            candidate = spent - math.log(min(1.0, strength))
            if state not in settled and candidate < cost.get(state, math.inf):
                cost[state] = candidate
                previous[state] = (node, hops)
                heapq.heappush(queue, (candidate, hops + 1, neighbour))
    return None


def _unwind(
    graph: Adjacency, previous: Mapping[tuple[str, int], tuple[str, int]], end: tuple[str, int]
) -> BestPath:
    states = [end]
    while states[-1] in previous:
        states.append(previous[states[-1]])
    nodes = tuple(node for node, _ in reversed(states))
    strengths = tuple(graph[a][b] for a, b in pairwise(nodes))
    return BestPath(nodes, strengths)


def clusters(graph: Adjacency, *, rounds: int = 20) -> list[list[str]]:
    """Groups of closely tied nodes by weighted label propagation: each node takes the label
    its neighbours carry with the most strength, until no label changes. Nodes are visited in
    a fixed order and ties go to the smallest label, so the answer is reproducible; a large
    chain of weak ties does not merge two tight groups the way connected components would.
    Groups of two or more, largest first."""
    label = {node: node for node in graph}
    order = sorted(graph)
    for _ in range(rounds):
        changed = False
        for node in order:
            weights: dict[str, float] = {}
            for neighbour, strength in graph[node].items():
                weights[label[neighbour]] = weights.get(label[neighbour], 0.0) + strength
            if not weights:
                continue
            best = max(weights.values())
            winner = min(lab for lab, weight in weights.items() if weight >= best - 1e-12)
            if winner != label[node] and weights.get(label[node], 0.0) < best - 1e-12:
                label[node] = winner
                changed = True
        if not changed:
            break
    groups: dict[str, list[str]] = {}
    for node in order:
        groups.setdefault(label[node], []).append(node)
    found = [members for members in groups.values() if len(members) > 1]
    found.sort(key=lambda members: (-len(members), members[0]))
    return found


def mutual_counts(
    edges: Iterable[tuple[str, str]], neighbours: Mapping[str, set[str]]
) -> dict[tuple[str, str], int]:
    """Common neighbours of each edge's two ends."""
    return {
        (a, b): len(((neighbours.get(a) or set()) & (neighbours.get(b) or set())) - {a, b})
        for a, b in edges
    }


def most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(value for value in values if value)
    if not counted:
        return None
    top = max(counted.values())
    return min(value for value, count in counted.items() if count == top)
