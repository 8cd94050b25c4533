"""static-ct-api logs: signed-note checkpoints, tiles, and the monitor against a loopback log."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from brokerguard.audit.merkle import consistency_proof, leaf_hash, mth_from_leaves, root_of
from brokerguard.cli.main import app as cli
from brokerguard.db.engine import session_factory
from brokerguard.notify.models import NotifyNotice
from brokerguard.phishing.ct.note import (
    Ed25519NoteVerifier,
    NoteFormatError,
    RFC6962NoteVerifier,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
)
from brokerguard.phishing.ct.source import LogUnavailableError
from brokerguard.phishing.ct.static import (
    TILE_WIDTH,
    TileHashes,
    TileLeaf,
    encode_tile_leaf,
    parse_data_tile,
    tile_index_path,
    tile_path,
    tile_width,
)
from brokerguard.phishing.ct.tls import CTFormatError
from brokerguard.phishing.ct.verify import LogVerificationError, log_id
from brokerguard.phishing.models import CTLog, PhishingCase
from tests.phishing.conftest import BRANDS_FILE
from tests.phishing.ctlog import make_entry
from tests.phishing.staticlog import ORIGIN, LoopbackStaticLog, StaticLog, tile_leaf

# --- signed notes and checkpoints ---------------------------------------------------


def _verifier(state: StaticLog, origin: str = ORIGIN) -> RFC6962NoteVerifier:
    public = state.key.public_key()
    return RFC6962NoteVerifier(origin, public, log_id(public))


def test_checkpoint_signature_verifies_and_foreign_signatures_are_ignored() -> None:
    state = StaticLog()
    state.add(["example.com"])
    witness = base64.b64encode(b"\x00\x00\x00\x07" + b"w" * 64).decode()
    state.other_signatures = [f"\u2014 witness.example/w1 {witness}"]
    checkpoint, head = open_checkpoint(state.checkpoint(), _verifier(state))
    assert (checkpoint.origin, checkpoint.size, head.tree_size) == (ORIGIN, 1, 1)
    assert head.root == leaf_hash(state.entries[0][0]) and head.timestamp_ms > 0
    state.bad_signature = True
    with pytest.raises(LogVerificationError, match="bad signature"):
        open_checkpoint(state.checkpoint(), _verifier(state))
    state.bad_signature = False
    other = StaticLog()  # another log's key: its key ID is not in the note
    with pytest.raises(LogVerificationError, match="no signature by the log's key"):
        open_checkpoint(state.checkpoint(), _verifier(other))
    with pytest.raises(LogVerificationError, match="no signature by the log's key"):
        open_checkpoint(state.checkpoint(), _verifier(state, "another.example/log"))


def test_ed25519_note_signature() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    verifier = Ed25519NoteVerifier("example.com/tlog", key.public_key())
    text = b"example.com/tlog\n3\n" + base64.b64encode(b"\x01" * 32) + b"\n"
    signature = verifier.key_id.to_bytes(4, "big") + key.sign(text)
    note = text + b"\n\xe2\x80\x94 example.com/tlog " + base64.b64encode(signature) + b"\n"
    _, head = open_checkpoint(note, verifier)
    assert (head.tree_size, head.root) == (3, b"\x01" * 32)
    with pytest.raises(LogVerificationError, match="does not verify"):
        open_checkpoint(note.replace(b"\n3\n", b"\n4\n"), verifier)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (b"", "newline"),
        (b"\xff\xfe\n\n", "UTF-8"),
        (b"o\n1\nAA==\n\x07\n\n\xe2\x80\x94 o AAAAAAA=\n", "control character"),
        (b"o\n1\nroot\n", "no blank line"),
        (b"o\n1\nroot\n\n- o AAAAAAA=\n", "em dash"),
        (b"o\n1\nroot\n\n\xe2\x80\x94 o\n", "key name"),
        (b"o\n1\nroot\n\n\xe2\x80\x94 o !!!!\n", "not base64"),
        (b"o\n1\nroot\n\n\xe2\x80\x94 o AAA=\n", "shorter than a key ID"),
        (b"o\n" * 70_000 + b"\n", "larger than"),
    ],
)
def test_malformed_notes_are_refused_with_the_reason(note: bytes, reason: str) -> None:
    with pytest.raises(NoteFormatError, match=reason):
        parse_note(note)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"origin\n12\n", "origin, size and root"),
        (b"origin\n\nroot\n", "origin, size and root"),
        (b"origin\n012\n" + base64.b64encode(bytes(32)) + b"\n", "not a decimal"),
        (b"origin\n-1\n" + base64.b64encode(bytes(32)) + b"\n", "not a decimal"),
        (b"origin\n99999999999999999999\n" + base64.b64encode(bytes(32)) + b"\n", "decimal"),
        (b"origin\n1\n" + base64.b64encode(bytes(31)) + b"\n", "31 bytes"),
        (b"origin\n1\n#not-base64\n", "not base64"),
    ],
)
def test_malformed_checkpoints_are_refused_with_the_reason(text: bytes, reason: str) -> None:
    with pytest.raises(NoteFormatError, match=reason):
        parse_checkpoint(text)


# --- tiles --------------------------------------------------------------------------


def test_tile_paths_and_widths_follow_the_spec() -> None:
    assert tile_index_path(1234067) == "x001/x234/067"
    assert tile_index_path(5) == "005" and tile_index_path(1000) == "x001/000"
    assert tile_path(0, 5) == "tile/0/005" and tile_path("data", 1, 17) == "tile/data/001.p/17"
    # the spec's example: a tree of 70,000 entries
    assert tile_width(70_000, 0, 272) == 256 and tile_width(70_000, 0, 273) == 112
    assert tile_width(70_000, 1, 0) == 256 and tile_width(70_000, 1, 1) == 17
    assert tile_width(70_000, 2, 0) == 1
    for level, index in ((0, 274), (1, 2), (2, 1), (3, 0)):
        with pytest.raises(LogUnavailableError, match="does not exist"):
            tile_width(70_000, level, index)
    with pytest.raises(ValueError, match="width"):
        tile_path(0, 0, 0)


def _tiles_of(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    tiles, level, hashes_ = {}, 0, leaves
    while hashes_:
        for start in range(0, len(hashes_), TILE_WIDTH):
            tiles[(level, start // TILE_WIDTH)] = b"".join(hashes_[start : start + TILE_WIDTH])
        hashes_ = [root_of(hashes_[i : i + 256]) for i in range(0, len(hashes_) - 255, 256)]
        level += 1
    return tiles


def test_tile_hashes_rebuild_roots_frontiers_and_proofs() -> None:
    size = 70_000
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    tiles = _tiles_of(leaves)
    fetched: list[tuple[int, int, int]] = []

    def fetch(level: int, index: int, width: int) -> bytes:
        fetched.append((level, index, width))
        return tiles[(level, index)]

    reader = TileHashes(size, fetch)
    assert reader.mth(0, size) == root_of(leaves)
    assert len(fetched) < 12  # the right edge only, never all 274 level-0 tiles
    oracle = mth_from_leaves(leaves)
    rng = random.Random(16)
    for first in [1, 255, 256, 257, 65_536, 69_999, *rng.sample(range(1, size), 5)]:
        assert consistency_proof(first, size, reader.mth) == consistency_proof(first, size, oracle)
    with pytest.raises(LogUnavailableError, match="no subtree"):
        reader.mth(0, size + 1)
    short = TileHashes(size, lambda level, index, width: tiles[(level, index)][:-1])
    with pytest.raises(LogUnavailableError, match="not 112 hashes"):
        short.tile(0, 273)


def test_data_tile_round_trip_and_bad_input() -> None:
    entries = [make_entry(["a.example.com"]), make_entry(["b.example.com"], precert=True)]
    leaves = [tile_leaf(leaf, extra) for leaf, extra in entries]
    data = b"".join(encode_tile_leaf(leaf) for leaf in leaves)
    parsed = parse_data_tile(data, 2, "tile/data/000.p/2")
    assert parsed == leaves and parsed[0].leaf_input == entries[0][0]
    assert (
        parsed[1].pre_certificate
        and parsed[1].raw_entry().extra_data[3:] == parsed[1].pre_certificate
    )
    for bad, reason in (
        (data[:-1], "truncated"),
        (data + b"\x00", "after the end"),
        (data[:8] + b"\x00\x09" + data[10:], "unknown entry type"),
        (b"", "truncated"),
    ):
        with pytest.raises(CTFormatError, match=reason):
            parse_data_tile(bad, 2, "tile/data/000.p/2")
    odd_chain = TileLeaf(leaves[0].leaf_input, b"", (b"\x01" * 31,))
    with pytest.raises(CTFormatError, match="whole fingerprints"):
        parse_data_tile(encode_tile_leaf(odd_chain), 1, "tile/data/000.p/1")


# --- the monitor, end to end --------------------------------------------------------


def _rows(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _add(runner: CliRunner, log: LoopbackStaticLog, tmp_path: Path, *extra: str) -> None:
    pem = tmp_path / "static.pem"
    pem.write_bytes(log.state.public_pem())
    args = ["phishing", "ct", "add-log", "static", "--url", log.url, "--public-key", str(pem)]
    result = runner.invoke(cli, [*args, "--api", "static", *extra])
    assert result.exit_code == 0, result.output


def _poll(runner: CliRunner) -> tuple[int, list[dict[str, object]]]:
    args = ["phishing", "ct", "poll", "--once", "--json", "--brands", str(BRANDS_FILE)]
    result = runner.invoke(cli, args)
    return result.exit_code, _rows(result.stdout)


def _record(engine: Engine) -> CTLog:
    with session_factory(engine)() as session:
        return session.scalars(select(CTLog).where(CTLog.name == "static")).one()


def test_static_log_is_followed_across_tiles_and_growth(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    state = StaticLog(gzip=True)
    for i in range(300):  # one full data tile and a partial one
        state.add([f"site{i}.example.com"], precert=i % 3 == 0)
    state.entries[7] = make_entry(["*.yuanta-login.top", "cdn.example.net"], serial=8)
    state.entries[280] = make_entry(["fub0n.com"], precert=True, serial=281)
    with LoopbackStaticLog(state) as log:
        _add(runner, log, tmp_path, "--start-index", "0")
        record = _record(cli_db)
        assert (record.api, record.origin, record.verified_size) == ("static", ORIGIN, 0)
        code, rows = _poll(runner)
        assert code == 0
        assert [(r["index"], r["domain"]) for r in rows] == [
            (7, "yuanta-login.top"),
            (280, "fub0n.com"),
        ]
        assert _record(cli_db).verified_size == 300
        assert "tile/data/001.p/44" in state.requests and "tile/data/000" in state.requests
        state.add(["xn--yunta-5ve.com"])  # the partial tiles grow: 45 entries
        state.add(["fub0n.com"])  # already a case: never a second
        code, rows = _poll(runner)
        assert code == 0 and [(r["index"], r["domain"]) for r in rows] == [
            (300, "xn--yunta-5ve.com")
        ]
        assert rows[0]["kind"] == "cyrillic" and len(str(rows[0]["cert_sha256"])) == 64
        listing = runner.invoke(cli, ["phishing", "ct", "logs", "--json"])
        (row,) = _rows(listing.stdout)
        assert (row["api"], row["origin"], row["verified_size"]) == ("static", ORIGIN, 302)
    with session_factory(cli_db)() as session:
        case = session.scalars(select(PhishingCase).where(PhishingCase.target == "fub0n.com")).one()
        (evidence,) = json.loads(case.evidence)
        assert evidence["log"] == "static" and evidence["index"] == 280
        assert evidence["precert"] is True and evidence["requirement_id"] == "A8.1"


def test_partial_tiles_replaced_by_full_ones_are_read_from_the_full_tile(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    state = StaticLog(partial_gone=True)
    for i in range(3):
        state.add([f"site{i}.example.com"])
    with LoopbackStaticLog(state) as log:
        _add(runner, log, tmp_path)  # from the current size: 3
        for i in range(3, 256):
            state.add([f"site{i}.example.com"])
        state.add(["kgi-apk.net"])  # entry 256: the first of data tile 1
        state.checkpoint_size = 200  # its tiles 000.p/200 are gone: the full tile 000 is read
        code, rows = _poll(runner)
        assert (code, rows, _record(cli_db).verified_size) == (0, [], 200)
        assert "tile/data/000.p/200" in state.requests and "tile/data/000" in state.requests
        state.checkpoint_size = None
        code, rows = _poll(runner)
    assert code == 0 and [r["domain"] for r in rows] == ["kgi-apk.net"]
    assert _record(cli_db).verified_size == 257


@pytest.mark.parametrize(
    ("misbehave", "message", "critical"),
    [
        ("fork", "split view", True),
        ("bad_signature", "bad signature", True),
        ("tamper", "does not hash to its level-0 tile", True),
        ("truncate_hash", "not 4 hashes", False),
        ("truncate_data", "truncated", False),
        ("html", "HTML", False),
        ("404", "HTTP 404", False),
        ("origin", "no signature by the log's key", True),
    ],
)
def test_misbehaving_static_log_fails_and_the_checkpoint_stays(
    runner: CliRunner,
    cli_db: Engine,
    tmp_path: Path,
    misbehave: str,
    message: str,
    critical: bool,
) -> None:
    state = StaticLog()
    for i in range(2):
        state.add([f"a{i}.example.com"])
    with LoopbackStaticLog(state) as log:
        _add(runner, log, tmp_path)
        before = _record(cli_db)
        state.add(["sinopac-login.top"])
        state.add(["b.example.com"])
        if misbehave == "fork":
            state.fork = [make_entry([f"b{i}.example.com"], serial=90 + i) for i in range(4)]
        elif misbehave == "bad_signature":
            state.bad_signature = True
        elif misbehave == "tamper":
            state.tamper_tile = 0
        elif misbehave == "truncate_hash":
            state.truncate = "tile/0/000.p/4"
        elif misbehave == "truncate_data":
            state.truncate = "tile/data/000.p/4"
        elif misbehave == "origin":
            state.origin = "impostor.example/log"
        else:
            state.answer = misbehave
        code, rows = _poll(runner)
    assert code == 1
    assert [r.keys() for r in rows] == [{"log", "error"}]
    assert message in str(rows[0]["error"])
    after = _record(cli_db)
    assert (after.verified_size, after.verified_root) == (2, before.verified_root)
    assert message in after.last_error
    with session_factory(cli_db)() as session:
        assert session.scalars(select(PhishingCase)).all() == []
        notices = session.scalars(select(NotifyNotice)).all()
        assert [n.severity for n in notices] == (["critical"] if critical else [])


def test_add_static_log_bad_input(runner: CliRunner, cli_db: Engine, tmp_path: Path) -> None:
    state = StaticLog()
    state.add(["a.example.com"])
    pem = tmp_path / "static.pem"
    pem.write_bytes(state.public_pem())
    base = ["phishing", "ct", "add-log", "static", "--public-key", str(pem)]
    with LoopbackStaticLog(state) as log:
        cases = [
            (["--url", log.url, "--api", "tiles"], "use rfc6962 or static"),
            (["--url", log.url, "--origin", "x.example"], "--api static only"),
            (["--url", log.url, "--api", "static", "--origin", "a b"], "no spaces"),
            (
                ["--url", log.url, "--api", "static", "--origin", "other.example/log"],
                "no signature by the log's key",
            ),
            (["--url", log.url, "--api", "static", "--start-index", "5"], "past the log's size"),
        ]
        for extra, reason in cases:
            result = runner.invoke(cli, [*base, *extra])
            assert result.exit_code != 0 and reason in result.output, (extra, result.output)
        state.answer = "html"
        result = runner.invoke(cli, [*base, "--url", log.url, "--api", "static"])
        assert result.exit_code != 0 and "HTML" in result.output
    with session_factory(cli_db)() as session:
        assert session.scalars(select(CTLog)).all() == []


def test_rfc6962_note_verifier_refuses_extension_lines() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    verifier = RFC6962NoteVerifier(ORIGIN, key.public_key(), log_id(key.public_key()))
    text = f"{ORIGIN}\n1\n{base64.b64encode(bytes(32)).decode()}\nextension\n".encode()
    with pytest.raises(LogVerificationError, match="extension lines"):
        verifier.verify(text, bytes(80))


def test_import_log_list_follows_tiled_logs(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    der = (
        StaticLog()
        .key.public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    tiled = {
        "description": "Loopback Tiled 2026h2",
        "key": base64.b64encode(der).decode(),
        "monitoring_url": "https://mon.ct.example/2026h2/",
        "submission_url": "https://ct.example/2026h2/",
        "state": {"usable": {"timestamp": "2026-01-01T00:00:00Z"}},
    }
    plain_http = {**tiled, "description": "Plain", "submission_url": "http://ct.example/x/"}
    path = tmp_path / "loglist.json"
    path.write_text(
        json.dumps({"operators": [{"name": "Loop", "tiled_logs": [tiled, plain_http]}]})
    )
    result = runner.invoke(cli, ["phishing", "ct", "import-log-list", str(path)])
    assert result.exit_code == 0, result.output
    assert "Plain: submission_url is not an https URL" in result.stderr
    listing = runner.invoke(cli, ["phishing", "ct", "logs", "--json"])
    (row,) = _rows(listing.stdout)
    assert (row["log"], row["api"], row["origin"]) == (
        "loopback-tiled-2026h2",
        "static",
        "ct.example/2026h2",
    )
    assert row["url"] == "https://mon.ct.example/2026h2/" and row["verified_size"] == 0
