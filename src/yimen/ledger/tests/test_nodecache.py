"""The process cache of upper tree levels: only committed nodes, only upper levels, and a replaced tree
is noticed; proofs served through it equal the RFC 9162 reference over the stored leaves."""

import pytest
from django.db import connection, transaction

from yimen.ledger import merkle, nodecache, selectors, store
from yimen.ledger.models import Entry, Head, Node
from yimen.ledger.tests.conftest import append, leaves_from_entries


class Fetches:
    """A fetch function over a dict of nodes that records what it was asked for."""

    def __init__(self, nodes: dict) -> None:
        self.nodes, self.asked = nodes, []

    def __call__(self, wanted):
        self.asked.append(list(wanted))
        return {c: self.nodes[c] for c in wanted if c in self.nodes}


def nodes_of(leaves: list[bytes]) -> dict:
    frontier, nodes = merkle.Frontier(), {}
    for h in leaves:
        nodes.update({(lv, ix): x for lv, ix, x in frontier.append(h)})
    return nodes


def test_committed_upper_levels_are_kept_and_lower_levels_always_fetched():
    nodes = nodes_of([merkle.leaf_hash(b"%d" % i) for i in range(64)])
    cache, fetch = nodecache.UpperNodes(min_level=3), Fetches(nodes)
    coords = [(0, 5), (1, 3), (3, 1), (4, 1), (5, 0)]
    assert cache.lookup(coords, fetch, committed=True) == {c: nodes[c] for c in coords}
    assert cache.lookup(coords, fetch, committed=True) == {c: nodes[c] for c in coords}
    assert fetch.asked[1] == [(0, 5), (1, 3), (0, 0)]  # the first leaf is read every time
    assert set(cache.nodes) == {(3, 1), (4, 1), (5, 0)}


def test_nodes_read_inside_a_transaction_are_not_kept():
    nodes = nodes_of([merkle.leaf_hash(b"%d" % i) for i in range(16)])
    cache = nodecache.UpperNodes(min_level=2)
    assert cache.lookup([(2, 1), (3, 0)], Fetches(nodes), committed=False) == {
        (2, 1): nodes[(2, 1)],
        (3, 0): nodes[(3, 0)],
    }
    assert cache.nodes == {}


def test_a_replaced_tree_is_noticed_by_its_first_leaf():
    old = nodes_of([merkle.leaf_hash(b"old %d" % i) for i in range(32)])
    new = nodes_of([merkle.leaf_hash(b"new %d" % i) for i in range(32)])
    cache = nodecache.UpperNodes(min_level=2)
    cache.lookup([(0, 1), (3, 1), (4, 0)], Fetches(old), committed=True)
    assert cache.lookup([(0, 1), (3, 1), (4, 0)], Fetches(new), committed=True)[(4, 0)] == new[(4, 0)]
    assert cache.nodes[(3, 1)] == new[(3, 1)]
    empty = cache.lookup([(4, 0)], Fetches({}), committed=True)  # the log was emptied
    assert empty == {} and cache.nodes == {}


@pytest.mark.django_db(transaction=True)
def test_proofs_through_the_cache_match_the_reference(settings, monkeypatch):
    settings.YIMEN_LEDGER_NODE_CACHE_LEVEL = 3
    nodecache._caches.clear()
    with transaction.atomic():
        append(300)
    size = selectors.log_size()
    leaves = leaves_from_entries()
    asked = []
    rows = store.node_rows
    monkeypatch.setattr(store, "node_rows", lambda coords: asked.append(list(coords)) or rows(coords))
    for index in (0, 7, 150, size - 1):
        assert selectors.inclusion_proof(index=index, tree_size=size) == merkle.inclusion_path(index, leaves)
    assert selectors.consistency_proof(size1=100, size2=size) == merkle.consistency_path(100, leaves)
    assert selectors.root_at(size=size) == merkle.root_from_leaves(leaves)
    cache = nodecache.for_alias(connection.alias)
    stored = {(n.level, n.index): bytes(n.hash) for n in Node.objects.filter(level__gte=3)}
    assert cache.warm_from == 3 and cache.nodes == stored  # warmed once, with the committed upper levels
    assert asked and not any(lv >= 3 for coords in asked for lv, _ in coords)
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_flushed_and_refilled_log_is_served_from_its_own_nodes(settings):
    settings.YIMEN_LEDGER_NODE_CACHE_LEVEL = 2
    nodecache._caches.clear()
    append(40, subject="first.log:{i}")
    selectors.inclusion_proof(index=3, tree_size=40)
    assert nodecache.for_alias(connection.alias).nodes
    Node.objects.all().delete()
    Entry.objects.all().delete()
    Head.objects.all().delete()
    append(40, subject="second.log:{i}")
    assert selectors.inclusion_proof(index=3, tree_size=40) == merkle.inclusion_path(3, leaves_from_entries())


def test_warming_loads_the_upper_levels_that_fit():
    nodes = nodes_of([merkle.leaf_hash(b"%d" % i) for i in range(100)])
    cache = nodecache.UpperNodes(min_level=2)
    cache.warm(100, lambda level: {c: h for c, h in nodes.items() if c[0] >= level}, Fetches(nodes))
    assert cache.warm_from == 2 and set(cache.nodes) == {c for c in nodes if c[0] >= 2}
    assert cache.first_leaf == nodes[(0, 0)]
    fetch = Fetches(nodes)
    cache.lookup([(0, 9), (2, 3), (5, 0)], fetch, committed=True)
    assert fetch.asked == [[(0, 9), (0, 0)]]


def test_warming_a_log_too_large_for_the_cache_starts_higher(monkeypatch):
    monkeypatch.setattr(nodecache, "MAX_NODES", 1000)
    cache, asked = nodecache.UpperNodes(min_level=8), []
    cache.warm(10_000_000, lambda level: asked.append(level) or {}, Fetches({}))
    assert asked == [15] and (10_000_000 >> 15) * 2 <= 1000 < (10_000_000 >> 14) * 2
