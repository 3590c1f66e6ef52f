"""The analysis on small graphs built by hand, where the right answer can be read off the drawing."""

import random

import networkx as nx
import pytest

from systemmap.analysis import Link, Node, analyse, bounded_cycles, central_elements, feedback_loops, isolated, journey


def links(*edges):
    """Links from (source, target[, polarity]) tuples, numbered 1, 2, 3… in order."""
    return [Link(id=n, source=e[0], target=e[1], polarity=e[2] if len(e) > 2 else "+") for n, e in enumerate(edges, 1)]


def test_a_loop_with_an_even_number_of_negative_links_is_reinforcing_and_an_odd_number_balancing():
    # 1 → 2 → 3 → 1 with two −; 4 → 5 → 4 with one −.
    result = feedback_loops(range(1, 6), links((1, 2, "-"), (2, 3, "-"), (3, 1), (4, 5, "-"), (5, 4)))
    assert result["cut"] is False
    by_elements = {tuple(loop["elements"]): loop for loop in result["items"]}
    assert by_elements[(1, 2, 3)]["kind"] == "reinforcing" and by_elements[(1, 2, 3)]["negative"] == 2
    assert by_elements[(4, 5)]["kind"] == "balancing" and by_elements[(4, 5)]["negative"] == 1
    assert by_elements[(1, 2, 3)]["connections"] == [1, 2, 3]
    assert (result["reinforcing"], result["balancing"]) == (1, 1)


def test_all_positive_links_make_a_reinforcing_loop_and_a_chain_makes_none():
    assert feedback_loops([1, 2, 3], links((1, 2), (2, 3), (3, 1)))["items"][0]["kind"] == "reinforcing"
    assert feedback_loops([1, 2, 3], links((1, 2), (2, 3), (1, 3)))["items"] == []


def test_parallel_connections_of_different_signs_make_two_loops_of_different_kinds():
    result = feedback_loops([1, 2], links((1, 2, "+"), (1, 2, "-"), (2, 1, "+")))
    kinds = sorted((loop["connections"], loop["kind"]) for loop in result["items"])
    assert kinds == [([1, 3], "reinforcing"), ([2, 3], "balancing")]


def test_loops_longer_than_the_bound_are_not_looked_for():
    ring = links(*[(n, n % 5 + 1) for n in range(1, 6)])  # one loop of five
    assert feedback_loops(range(1, 6), ring, max_length=4)["items"] == []
    assert [loop["length"] for loop in feedback_loops(range(1, 6), ring, max_length=5)["items"]] == [5]


def test_when_there_are_more_loops_than_listed_the_list_is_cut_and_holds_the_shortest():
    # Every ordered pair of six nodes connected: loops of every length from 2 to 6.
    nodes = range(1, 7)
    complete = links(*[(a, b) for a in nodes for b in nodes if a != b])
    result = feedback_loops(nodes, complete, max_length=6, max_loops=20)
    assert result["cut"] is True
    assert len(result["items"]) == 20
    assert all(loop["length"] == 2 for loop in result["items"][:15])  # the 15 two-element loops come first
    assert result["items"][15]["length"] == 3
    assert feedback_loops(range(1, 4), links((1, 2), (2, 1)), max_loops=20)["cut"] is False


def test_the_bounded_search_finds_exactly_the_cycles_networkx_finds():
    rng = random.Random(7)
    for _ in range(5):
        graph = nx.gnm_random_graph(25, 70, seed=rng.randint(0, 10_000), directed=True)
        successors = {n: sorted(graph.successors(n)) for n in graph}
        predecessors = {n: sorted(graph.predecessors(n)) for n in graph}
        ours = sorted(tuple(c) for c in bounded_cycles(successors, predecessors, 6))
        theirs = sorted(
            tuple(c[c.index(min(c)) :] + c[: c.index(min(c))]) for c in nx.simple_cycles(graph, length_bound=6)
        )
        assert ours == theirs


def test_the_busiest_crossing_point_is_the_most_central_element():
    # Two triangles joined only through element 7: everything from one side to the other passes it.
    edges = [(1, 2), (2, 3), (3, 1), (3, 7), (7, 4), (4, 5), (5, 6), (6, 4), (4, 7), (7, 3)]
    result = central_elements(range(1, 8), links(*edges))
    assert result["items"][0]["element"] == 7
    assert result["items"][0]["in"] == 2 and result["items"][0]["out"] == 2
    assert result["estimated"] is False


def test_isolated_elements_are_those_with_no_connection():
    assert isolated([1, 2, 3, 4], links((1, 2))) == [3, 4]


def test_elements_and_findings_without_evidence_are_listed():
    nodes = [Node(1), Node(2), Node(3)]
    result = analyse(nodes, links((1, 2)), evidenced_elements={2}, findings={10: True, 11: False})
    assert result["without_evidence"] == {"elements": [1, 3], "findings": [11]}
    assert result["isolated"] == [3]


def test_the_journey_follows_the_steps_and_names_the_gaps_and_what_is_around_each_stage():
    nodes = [
        Node(1, "stage", "Secondary school", 3),
        Node(2, "stage", "Primary school", 1),
        Node(3, "stage", "Move to secondary", 2),
        Node(4, "service", "CAMHS"),
        Node(5, "pressure", "Poor transitions"),
    ]
    result = journey(nodes, links((2, 3), (4, 1), (5, 3), (1, 4)))
    assert [stage["element"] for stage in result["stages"]] == [2, 3, 1]
    assert result["connections"] == [1]  # primary → move; nothing joins the move to secondary school
    assert result["gaps"] == [{"from": 3, "to": 1}]
    assert {s["element"]: s["around"] for s in result["stages"]} == {2: [], 3: [5], 1: [4]}


def test_without_steps_the_journey_follows_the_connections_between_stages():
    nodes = [Node(1, "stage", "C"), Node(2, "stage", "A"), Node(3, "stage", "B")]
    result = journey(nodes, links((2, 3), (3, 1)))
    assert [stage["element"] for stage in result["stages"]] == [2, 3, 1]
    assert result["gaps"] == []


@pytest.mark.parametrize("density", [4, 20])
def test_a_dense_map_of_500_elements_gives_a_bounded_answer(density):
    rng = random.Random(density)
    edges = set()
    while len(edges) < 500 * density // 5:
        a, b = rng.randrange(500), rng.randrange(500)
        if a != b:
            edges.add((a, b, rng.choice("+-")))
    result = analyse([Node(n) for n in range(500)], links(*sorted(edges)), evidenced_elements=set(), findings={})
    loops = result["loops"]
    assert len(loops["items"]) <= loops["max_loops"]
    assert all(2 <= loop["length"] <= loops["max_length"] for loop in loops["items"])
    assert [loop["length"] for loop in loops["items"]] == sorted(loop["length"] for loop in loops["items"])
    assert result["central"]["estimated"] is True and len(result["central"]["items"]) == 10
