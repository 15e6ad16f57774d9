"""Proof tiles: proofs answered from the tile file and memory equal the RFC 9162 reference, need no query
once warm, and a missing, damaged or stale tile is never used: the proof comes from the database and the
tile is rewritten from the stored leaves."""

import random

import hypothesis
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import strategies as st

from yimen.accounts.models import Role, User
from yimen.common.errors import Conflict
from yimen.common.testing import client_for
from yimen.ledger import merkle, nodecache, selectors, services, store, tiles
from yimen.ledger.models import Entry, Head, Node
from yimen.ledger.tests.conftest import leaves_from_entries

pytestmark = pytest.mark.django_db(transaction=True)  # tiles serve committed trees, outside transactions


def grow(n: int) -> None:
    services.entries_append(
        entries=[
            {"kind": "test.recorded", "subject": f"test.thing:{i}", "actor": "user:1", "digest": f"{i:064x}"}
            for i in range(n)
        ]
    )


class Reads:
    """Counts the ledger's reads of the database (on PostgreSQL they bypass Django's query log)."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[str] = []
        for name in ("node_rows", "node_rows_from_level", "size_and_first_leaf", "leaf_range"):
            monkeypatch.setattr(store, name, self._counting(name, getattr(store, name)))

    def _counting(self, name, func):
        def wrapper(*args, **kwargs):
            self.calls.append(name)
            return func(*args, **kwargs)

        return wrapper


@pytest.fixture
def reads(monkeypatch):
    return Reads(monkeypatch)


@pytest.fixture
def tiled(settings):
    """A log of three complete tiles and part of a fourth, with its tile file filled."""
    settings.YIMEN_LEDGER_TILE_RECHECK_SECONDS = 60.0
    grow(3 * tiles.WIDTH + 77)
    assert services.tiles_fill() == (3, 3)
    return tiles.for_alias(connection.alias)


def test_proofs_from_tiles_equal_the_reference_and_need_no_query(tiled, reads):
    leaves, size = leaves_from_entries(), selectors.log_size()
    selectors.inclusion_proof(index=0, tree_size=size)  # warms the process: upper levels, the right edge
    assert reads.calls
    reads.calls.clear()
    rng = random.Random(7)
    with CaptureQueriesContext(connection) as queries:
        for index in [0, 255, 256, 700, *rng.sample(range(3 * tiles.WIDTH), 20)]:
            assert selectors.inclusion_proof(index=index, tree_size=size) == merkle.inclusion_path(
                index, leaves
            )
    assert len(queries) == 0 and reads.calls == []
    for old in [1, 255, 256, 257, 511, 600, 768, size - 1]:
        assert selectors.consistency_proof(size1=old, size2=size) == merkle.consistency_path(old, leaves)
    assert selectors.root_at(size=size) == merkle.root_from_leaves(leaves)


def test_an_entry_in_the_incomplete_tile_is_proved_from_the_database(tiled):
    leaves, size = leaves_from_entries(), selectors.log_size()
    for index in (size - 1, 3 * tiles.WIDTH + 5):
        assert selectors.inclusion_proof(index=index, tree_size=size) == merkle.inclusion_path(index, leaves)


def test_a_damaged_tile_is_not_used_and_is_rewritten(tiled):
    leaves, size = leaves_from_entries(), selectors.log_size()
    good = tiled.read(1)
    tiled.write(1, good[:100] + bytes([good[100] ^ 1]) + good[101:])
    assert selectors.inclusion_proof(index=300, tree_size=size) == merkle.inclusion_path(300, leaves)
    assert tiled.read(1) == good


def test_a_missing_tile_is_written_by_the_proof_that_needed_it(tiled):
    leaves, size = leaves_from_entries(), selectors.log_size()
    tiled.close()
    tiled.path.unlink()
    assert selectors.inclusion_proof(index=600, tree_size=size) == merkle.inclusion_path(600, leaves)
    assert tiled.count() == 3 and tiled.read(0) == bytes(tiles.TILE_BYTES)  # a hole before tile 2
    assert selectors.inclusion_proof(index=10, tree_size=size) == merkle.inclusion_path(10, leaves)
    assert tiled.read(0) == b"".join(leaves[: tiles.WIDTH])


def test_a_tile_completed_after_warming_is_filled_and_then_used(tiled, reads):
    size = selectors.log_size()
    selectors.inclusion_proof(index=0, tree_size=size)
    grow(tiles.WIDTH)  # completes tile 3
    leaves, size = leaves_from_entries(), selectors.log_size()
    assert selectors.inclusion_proof(index=800, tree_size=size) == merkle.inclusion_path(800, leaves)
    assert tiled.read(3) == b"".join(leaves[3 * tiles.WIDTH : 4 * tiles.WIDTH])
    reads.calls.clear()
    assert selectors.inclusion_proof(index=801, tree_size=size) == merkle.inclusion_path(801, leaves)
    assert reads.calls == []


def test_a_replaced_log_is_noticed_at_the_next_check(tiled, settings, reads):
    size = selectors.log_size()
    selectors.inclusion_proof(index=5, tree_size=size)
    Node.objects.all().delete()
    Entry.objects.all().delete()
    Head.objects.all().delete()
    services.entries_append(
        entries=[
            {"kind": "test.other", "subject": f"test.other:{i}", "actor": "user:2", "digest": ""}
            for i in range(size)
        ]
    )
    settings.YIMEN_LEDGER_TILE_RECHECK_SECONDS = 0.0
    leaves = leaves_from_entries()
    assert selectors.inclusion_proof(index=5, tree_size=size) == merkle.inclusion_path(5, leaves)
    assert reads.calls[0] == "size_and_first_leaf"
    assert selectors.consistency_proof(size1=300, size2=size) == merkle.consistency_path(300, leaves)


def test_proofs_inside_a_transaction_do_not_use_or_fill_tiles(settings):
    settings.YIMEN_LEDGER_TILE_RECHECK_SECONDS = 60.0
    grow(2 * tiles.WIDTH + 3)
    leaves, size = leaves_from_entries(), selectors.log_size()
    with transaction.atomic():
        assert selectors.inclusion_proof(index=9, tree_size=size) == merkle.inclusion_path(9, leaves)
    assert tiles.for_alias(connection.alias).count() == 0
    assert nodecache.for_alias(connection.alias).edge == {}


def test_a_tree_size_beyond_the_log_is_refused(tiled):
    size = selectors.log_size()
    selectors.inclusion_proof(index=0, tree_size=size)
    with pytest.raises(Exception, match="超过当前账本大小"):
        selectors.inclusion_proof(index=0, tree_size=size + 1)


def test_the_command_fills_tiles_and_says_so(settings, capsys):
    grow(tiles.WIDTH + 1)
    call_command("ledger", "tiles")
    assert "1 written, 1 complete" in capsys.readouterr().out
    call_command("ledger", "tiles")
    assert "0 written, 1 complete" in capsys.readouterr().out
    tile_file = tiles.for_alias(connection.alias)
    tile_file.write(0, bytes(tiles.TILE_BYTES))  # damaged below what this process has checked
    call_command("ledger", "tiles")
    assert "0 written, 1 complete" in capsys.readouterr().out
    call_command("ledger", "tiles", "--full")
    assert "1 written, 1 complete" in capsys.readouterr().out
    settings.YIMEN_LEDGER_TILE_DIR = ""
    with pytest.raises(CommandError, match="YIMEN_LEDGER_TILE_DIR"):
        call_command("ledger", "tiles")
    with pytest.raises(Conflict):
        services.tiles_fill()


def test_a_tile_whose_leaves_do_not_hash_to_the_stored_node_is_not_written(tmp_path):
    tile_file = tiles.TileFile(tmp_path / "t.tiles")
    leaves = [merkle.leaf_hash(b"%d" % i) for i in range(tiles.WIDTH)]
    root = merkle.root_from_leaves(leaves)
    assert not tiles.build(tile_file, 0, [*leaves[:-1], merkle.leaf_hash(b"x")], root)
    assert not tiles.build(tile_file, 0, leaves[:-1], root)
    assert tile_file.read(0) is None
    assert tiles.build(tile_file, 0, leaves, root)
    assert tiles.levels(tile_file.read(0))[tiles.HEIGHT][0] == root
    with pytest.raises(ValueError, match="8192 bytes"):
        tile_file.write(1, b"short")


# --- C2SP tlog-tiles over HTTP --------------------------------------------------------------------


@pytest.fixture
def tiled_600(settings):
    settings.YIMEN_LEDGER_TILE_RECHECK_SECONDS = 60.0
    grow(600 - selectors.log_size())
    services.tiles_fill()
    return leaves_from_entries()


def test_tile_paths_round_trip_and_non_canonical_ones_are_refused():
    for index, width in [(0, 256), (5, 17), (999, 256), (1000, 1), (1234067, 255)]:
        assert tiles.parse_tile_path(tiles.tile_path(index, width)) == (index, width)
    assert tiles.tile_path(1234067, 255) == "x001/x234/067.p/255"
    for bad in ["1234", "x001", "001.p/256", "001.p/0", "001.p/07", "x000/123", "x01/234", "../000"]:
        with pytest.raises(ValueError):
            tiles.parse_tile_path(bad)


def test_a_verifier_rebuilds_the_checkpoint_root_from_hash_tiles(tiled_600):
    client = client_for(None)
    size = services.checkpoint_current().size
    assert size == 600
    fetched = b""
    for path in ("000", "001", "002.p/88"):
        response = client.get(f"/ledger/tile/0/{path}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/octet-stream"
        assert "immutable" in response["Cache-Control"]
        fetched += response.content
    hashes = [fetched[i : i + 32] for i in range(0, len(fetched), 32)]
    assert hashes == tiled_600 and merkle.root_from_leaves(hashes) == services.checkpoint_current().root
    upper = client.get("/ledger/tile/1/000.p/2").content  # level 8: the roots of the two full tiles
    assert upper == b"".join(merkle.root_from_leaves(tiled_600[i : i + 256]) for i in (0, 256))


def test_tiles_the_log_does_not_have_yet_are_404_and_bad_paths_400(tiled_600):
    client = client_for(None)
    for path in ("0/002", "0/002.p/89", "1/000", "1/000.p/3", "8/000.p/1"):
        assert client.get(f"/ledger/tile/{path}").status_code == 404, path
    response = client.get("/ledger/tile/0/2")
    assert response.status_code == 400
    assert "x" in response.json()["errors"]["tile"][0]


def test_entry_bundles_are_for_staff_who_may_read_the_ledger(tiled_600):
    assert client_for(None).get("/ledger/tile/entries/000").status_code in (401, 403)
    staff = User.objects.create_user(username="u-auditor", password="pw", role=Role.AUDITOR)
    response = client_for(staff).get("/ledger/tile/entries/002.p/88")
    assert response.status_code == 200
    data, entries = response.content, []
    while data:
        length = int.from_bytes(data[:2], "big")
        entries.append(data[2 : 2 + length])
        data = data[2 + length :]
    assert [merkle.leaf_hash(e) for e in entries] == tiled_600[512:600]


@hypothesis.settings(
    max_examples=150, deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
@hypothesis.given(data=st.data())
def test_proofs_at_any_earlier_size_from_tiles_equal_the_reference(tiled, data):
    leaves = leaves_from_entries()
    size = data.draw(st.integers(1, len(leaves)), label="tree_size")
    index = data.draw(st.integers(0, size - 1), label="index")
    old = data.draw(st.integers(1, size), label="size1")
    assert selectors.inclusion_proof(index=index, tree_size=size) == merkle.inclusion_path(
        index, leaves[:size]
    )
    assert selectors.consistency_proof(size1=old, size2=size) == merkle.consistency_path(old, leaves[:size])
