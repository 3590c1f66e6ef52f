"""What the structure of a map says: feedback loops, bottlenecks, gaps in the evidence, loose ends, and the child's
journey. Pure functions of ids and signs (no database), so they are tested on small hand-built graphs; the selector
`systemmap.selectors.map_analysis` loads a map and calls `analyse`.

- **Feedback loops.** A loop is a closed path following the connections' directions. Its kind comes from the signs
  around it: an even number of − connections makes it reinforcing (a change comes back amplified: vicious or virtuous
  circles), an odd number balancing (a change comes back damped). Loop finding is bounded so it stays fast on dense
  maps: loops longer than `max_length` connections are not looked for, and at most `max_loops` are listed, shortest
  first; `cut` says when there were more. The search only starts from elements in a strongly connected component
  (nowhere else can a loop pass) and, from each start, only steps to elements that can still get back to it within
  the length left, which is what keeps it fast when few loops exist among many connections.
- **Bottlenecks**: the elements most paths between others run through (betweenness centrality, networkx). Past
  `EXACT_CENTRALITY_LIMIT` elements it is estimated from a fixed sample of start points (the same every time).
- **Without evidence**: elements and findings no evidence backs (sensitive evidence counts: it is evidence).
- **Isolated**: elements with no connection at all.
- **The child's journey**: the stage elements in order — by their journey step where set, else following the
  connections between stages — the connections that join one stage to the next, the gaps where none does, and what
  sits around each stage.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

LOOP_MAX_LENGTH = 8
LOOPS_MAX = 200
CENTRAL_TOP = 10
EXACT_CENTRALITY_LIMIT = 300
CENTRALITY_SAMPLE = 150
REINFORCING, BALANCING = "reinforcing", "balancing"


@dataclass(frozen=True)
class Link:
    id: int
    source: int
    target: int
    polarity: str  # "+" or "-"


@dataclass(frozen=True)
class Node:
    id: int
    type: str = ""
    label: str = ""
    journey_step: int | None = None


# --- Feedback loops ----------------------------------------------------------------------------------------------


def bounded_cycles(
    successors: dict[int, list[int]],
    predecessors: dict[int, list[int]],
    max_length: int,
    *,
    exact: int | None = None,
) -> Iterator[list[int]]:
    """Every simple cycle of at most `max_length` nodes (or of exactly `exact`), each once, as the list of its
    nodes starting from its smallest. Same cycles as `networkx.simple_cycles(G, length_bound=...)`, much faster on
    sparse maps: see the module docstring."""
    for start in sorted(successors):
        # How far each node (larger than start) is from getting back to start, up to the length allowed.
        distance = {start: 0}
        frontier = [start]
        depth = 0
        while frontier and depth < max_length - 1:
            depth += 1
            following = []
            for node in frontier:
                for before in predecessors.get(node, ()):
                    if before > start and before not in distance:
                        distance[before] = depth
                        following.append(before)
            frontier = following
        path, on_path = [start], {start}
        stack = [iter(successors.get(start, ()))]
        while stack:
            for nxt in stack[-1]:
                if nxt == start:
                    if len(path) > 1 and (exact is None or len(path) == exact):
                        yield list(path)
                elif (
                    nxt > start
                    and nxt not in on_path
                    and nxt in distance
                    and len(path) + distance[nxt] <= max_length
                    and (exact is None or len(path) + distance[nxt] <= exact)
                ):
                    path.append(nxt)
                    on_path.add(nxt)
                    stack.append(iter(successors.get(nxt, ())))
                    break
            else:
                stack.pop()
                on_path.discard(path.pop())


def _loop(nodes: list[int], links: tuple[Link, ...]) -> dict[str, Any]:
    negative = sum(link.polarity == "-" for link in links)
    return {
        "elements": nodes,
        "connections": [link.id for link in links],
        "length": len(links),
        "negative": negative,
        "kind": REINFORCING if negative % 2 == 0 else BALANCING,
    }


def feedback_loops(
    nodes: Iterable[int], links: Iterable[Link], *, max_length: int = LOOP_MAX_LENGTH, max_loops: int = LOOPS_MAX
) -> dict[str, Any]:
    """The feedback loops of up to `max_length` connections, at most `max_loops` of them, shortest first."""
    links = list(links)
    parallel: dict[tuple[int, int], list[Link]] = defaultdict(list)
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for link in links:
        parallel[(link.source, link.target)].append(link)
        graph.add_edge(link.source, link.target)
    in_loops = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            in_loops |= component
    successors = {n: sorted(s for s in graph.successors(n) if s in in_loops) for n in in_loops}
    predecessors = {n: sorted(p for p in graph.predecessors(n) if p in in_loops) for n in in_loops}

    def expand(cycles: Iterable[list[int]]) -> Iterator[dict[str, Any]]:
        for cycle in cycles:
            steps = [parallel[(a, b)] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
            for chosen in itertools.product(*steps):
                yield _loop(cycle, chosen)

    found = list(itertools.islice(expand(bounded_cycles(successors, predecessors, max_length)), max_loops + 1))
    cut = len(found) > max_loops
    if cut:  # list the shortest: search length by length until the list is full
        found = []
        for length in range(2, max_length + 1):
            wanted = max_loops - len(found)
            cycles = bounded_cycles(successors, predecessors, length, exact=length)
            found.extend(itertools.islice(expand(cycles), wanted))
            if len(found) >= max_loops:
                break
    found.sort(key=lambda loop: (loop["length"], loop["elements"], loop["connections"]))
    return {
        "items": found,
        "reinforcing": sum(loop["kind"] == REINFORCING for loop in found),
        "balancing": sum(loop["kind"] == BALANCING for loop in found),
        "cut": cut,
        "max_length": max_length,
        "max_loops": max_loops,
    }


# --- Bottlenecks, loose ends -------------------------------------------------------------------------------------


def central_elements(nodes: Iterable[int], links: Iterable[Link], *, top: int = CENTRAL_TOP) -> dict[str, Any]:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((link.source, link.target) for link in links)
    count = graph.number_of_nodes()
    estimated = count > EXACT_CENTRALITY_LIMIT
    if count < 3:
        scores: dict[int, float] = dict.fromkeys(graph.nodes, 0.0)
    elif estimated:
        scores = nx.betweenness_centrality(graph, k=CENTRALITY_SAMPLE, seed=2026)
    else:
        scores = nx.betweenness_centrality(graph)
    ranked = sorted((score, -node) for node, score in scores.items() if score > 0)
    ranked.reverse()
    return {
        "items": [
            {
                "element": -negated,
                "betweenness": round(score, 4),
                "in": graph.in_degree(-negated),
                "out": graph.out_degree(-negated),
            }
            for score, negated in ranked[:top]
        ],
        "estimated": estimated,
    }


def isolated(nodes: Iterable[int], links: Iterable[Link]) -> list[int]:
    joined = set()
    for link in links:
        joined.add(link.source)
        joined.add(link.target)
    return sorted(n for n in nodes if n not in joined)


# --- The child's journey -----------------------------------------------------------------------------------------


def journey(nodes: Iterable[Node], links: Iterable[Link]) -> dict[str, Any]:
    nodes = list(nodes)
    links = list(links)
    stages = {n.id: n for n in nodes if n.type == "stage"}
    graph = nx.DiGraph()
    graph.add_nodes_from(stages)
    graph.add_edges_from((k.source, k.target) for k in links if k.source in stages and k.target in stages)
    flow: dict[int, int] = {}
    if nx.is_directed_acyclic_graph(graph):
        order = nx.lexicographical_topological_sort(graph, key=lambda n: (stages[n].journey_step or 0, n))
        flow = {n: i for i, n in enumerate(order)}
    ordered = sorted(
        stages.values(),
        key=lambda n: (n.journey_step is None, n.journey_step or 0, flow.get(n.id, 0), n.label.lower(), n.id),
    )
    between: dict[tuple[int, int], list[int]] = defaultdict(list)
    around: dict[int, set[int]] = defaultdict(set)
    for link in links:
        between[(link.source, link.target)].append(link.id)
        if link.source in stages and link.target not in stages:
            around[link.source].add(link.target)
        if link.target in stages and link.source not in stages:
            around[link.target].add(link.source)
    path, gaps = [], []
    for a, b in zip(ordered, ordered[1:], strict=False):
        joining = between.get((a.id, b.id))
        if joining:
            path.extend(sorted(joining))
        else:
            gaps.append({"from": a.id, "to": b.id})
    return {
        "stages": [{"element": n.id, "step": n.journey_step, "around": sorted(around[n.id])} for n in ordered],
        "connections": path,
        "gaps": gaps,
    }


# --- All of it ---------------------------------------------------------------------------------------------------


def analyse(
    nodes: list[Node],
    links: list[Link],
    *,
    evidenced_elements: set[int],
    findings: dict[int, bool],
    max_length: int = LOOP_MAX_LENGTH,
    max_loops: int = LOOPS_MAX,
) -> dict[str, Any]:
    """`evidenced_elements`: elements with any evidence; `findings`: finding id → whether evidence backs it."""
    ids = [n.id for n in nodes]
    return {
        "elements": len(ids),
        "connections": len(links),
        "loops": feedback_loops(ids, links, max_length=max_length, max_loops=max_loops),
        "central": central_elements(ids, links),
        "without_evidence": {
            "elements": [pk for pk in ids if pk not in evidenced_elements],
            "findings": sorted(pk for pk, backed in findings.items() if not backed),
        },
        "isolated": isolated(ids, links),
        "journey": journey(nodes, links),
    }
