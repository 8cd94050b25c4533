"""The CT monitor against a loopback RFC 6962 log: verification, pagination, forks, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from brokerguard.cli.main import app as cli
from brokerguard.db.engine import session_factory
from brokerguard.notify.models import NotifyNotice
from brokerguard.phishing.ct.certs import MAX_NAMES, cert_facts
from brokerguard.phishing.ct.tls import CTFormatError, LogLeaf, encode_leaf, parse_leaf
from brokerguard.phishing.ct.verify import (
    LogVerificationError,
    TreeHead,
    load_log_key,
    verify_tree_head,
)
from brokerguard.phishing.models import CTLog, PhishingCase
from tests.conftest import FIXTURES
from tests.phishing.conftest import BRANDS_FILE
from tests.phishing.ctlog import FakeLog, LoopbackLog, make_entry

BRANDS = str(BRANDS_FILE)


def _rows(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _add(runner: CliRunner, log: LoopbackLog, tmp_path: Path, name: str, *extra: str) -> None:
    pem = tmp_path / f"{name}.pem"
    pem.write_bytes(log.state.public_pem())
    result = runner.invoke(
        cli,
        ["phishing", "ct", "add-log", name, "--url", log.url, "--public-key", str(pem), *extra],
    )
    assert result.exit_code == 0, result.output


def _poll(runner: CliRunner) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(cli, ["phishing", "ct", "poll", "--once", "--json", "--brands", BRANDS])
    return result.exit_code, _rows(result.stdout), result.stderr


def _verified(engine: Engine, name: str) -> int:
    with session_factory(engine)() as session:
        record = session.scalars(select(CTLog).where(CTLog.name == name)).one()
        return record.verified_size


# --- structures -----------------------------------------------------------------------


def test_leaf_round_trip_and_truncation() -> None:
    leaf_input, _ = make_entry(["yuanta-login.top"])
    leaf = parse_leaf(leaf_input)
    assert encode_leaf(leaf) == leaf_input
    for bad in (b"", leaf_input[:5], leaf_input[:-1], leaf_input + b"x", b"\x01" + leaf_input[1:]):
        with pytest.raises(CTFormatError):
            parse_leaf(bad)
    with pytest.raises(CTFormatError):
        parse_leaf(leaf_input[:10] + b"\x00\x07" + leaf_input[12:])  # unknown entry type


def test_certificate_names_precert_and_bad_der() -> None:
    names = ["*.yuanta-login.top", "WWW.Example.COM", "xn--yunta-5ve.com"]
    for precert in (False, True):
        facts = cert_facts(parse_leaf(make_entry(names, precert=precert)[0]))
        assert facts.names == ("yuanta-login.top", "www.example.com", "xn--yunta-5ve.com")
        assert facts.precert is precert and len(facts.sha256) == 64
        assert facts.not_after and facts.not_before and facts.not_after > facts.not_before
        assert "Loopback Test CA" in facts.issuer
    with pytest.raises(CTFormatError, match="not valid DER"):
        cert_facts(LogLeaf(0, 0, b"\x30\x03\x02\x01\x01"))
    with pytest.raises(CTFormatError):
        cert_facts(LogLeaf(0, 1, b"garbage"))
    many = [f"h{i}.example.com" for i in range(MAX_NAMES + 1)]
    with pytest.raises(CTFormatError, match="more than"):
        cert_facts(parse_leaf(make_entry(many)[0]))


@pytest.mark.parametrize("kind", ["ecdsa", "rsa"])
def test_tree_head_signatures(kind: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ecdsa" else None
    state = FakeLog(key=key or rsa.generate_private_key(public_exponent=65537, key_size=2048))
    state.add(["a.example.com"])
    public, _ = load_log_key(state.public_pem())

    def head() -> TreeHead:
        import base64

        data = state.sth()
        return TreeHead(
            data["tree_size"],
            data["timestamp"],
            base64.b64decode(data["sha256_root_hash"]),
            base64.b64decode(data["tree_head_signature"]),
        )

    verify_tree_head(public, head())
    state.bad_signature = True
    with pytest.raises(LogVerificationError, match="bad signature"):
        verify_tree_head(public, head())


def test_log_keys_refused_with_reason() -> None:
    from brokerguard.errors import ValidationError

    with pytest.raises(ValidationError, match="not a valid"):
        load_log_key(b"Hy2TPTZ2yq9ASMmMZiB9SZEUx5WNH5G0Ft5Tm9vKMcPXA+ic")
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    from brokerguard.phishing.ct.verify import key_pem

    with pytest.raises(ValidationError, match="P-256"):
        load_log_key(key_pem(p384).encode())


# --- the monitor, end to end --------------------------------------------------------


def test_poll_flags_new_names_once_with_evidence(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    state = FakeLog(page_limit=2)  # the log returns at most 2 entries per request
    state.add(["old-yuanta-login.top"])  # before the monitor starts: never reported
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "loopback")
        assert _verified(cli_db, "loopback") == 1
        state.add(["www.example.com", "example.com"])
        state.add(["*.yuanta-login.top", "cdn.example.net"])
        state.add(["fub0n.com"], precert=True)
        state.add(["xn--yunta-5ve.com"])  # Cyrillic а: flagged, decoded
        state.add(["yuanta-login.top"])  # same domain again: no second case
        code, rows, _ = _poll(runner)
        assert code == 0
        assert [(r["index"], r["domain"]) for r in rows] == [
            (2, "yuanta-login.top"),
            (3, "fub0n.com"),
            (4, "xn--yunta-5ve.com"),
        ]
        assert set(rows[0]) == {"log", "index", "domain", "brand", "score", "kind", "cert_sha256"}
        assert rows[2]["kind"] == "cyrillic" and rows[1]["brand"] == "fubon"
        assert _verified(cli_db, "loopback") == 6
        assert state.requests.count("/log/ct/v1/get-entries") >= 3  # short pages followed
        code, rows, _ = _poll(runner)
        assert (code, rows) == (0, [])
        listing = runner.invoke(cli, ["phishing", "ct", "logs", "--json"])
        (row,) = _rows(listing.stdout)
        assert row["verified_size"] == 6 and row["last_poll"] is not None and row["error"] is None
    with session_factory(cli_db)() as session:
        case = session.scalars(select(PhishingCase).where(PhishingCase.target == "fub0n.com")).one()
        (evidence,) = json.loads(case.evidence)
        assert evidence["log"] == "loopback" and evidence["index"] == 3
        assert evidence["precert"] is True and evidence["requirement_id"] == "A8.1"
        assert evidence["cert_sha256"] == rows_sha(state, 3)
        assert "Loopback Test CA" in evidence["issuer"] and evidence["not_after"]
        count = session.scalars(select(PhishingCase).where(PhishingCase.source == "ct")).all()
        assert len(count) == 3


def rows_sha(state: FakeLog, index: int) -> str:
    return cert_facts(parse_leaf(state.entries[index][0])).sha256


def test_start_index_zero_scans_history(runner: CliRunner, cli_db: Engine, tmp_path: Path) -> None:
    state = FakeLog()
    for i in range(5):
        state.add([f"site{i}.example.com"])
    state.add(["kgi-apk.net"])
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "history", "--start-index", "0")
        code, rows, _ = _poll(runner)
    assert code == 0 and [r["domain"] for r in rows] == ["kgi-apk.net"]


def test_split_view_is_an_error_checkpoint_stays_and_others_go_on(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    forked, good = FakeLog(), FakeLog()
    for i in range(4):
        forked.add([f"a{i}.example.com"])
    with LoopbackLog(forked) as bad_log, LoopbackLog(good) as good_log:
        _add(runner, bad_log, tmp_path, "forked")
        _add(runner, good_log, tmp_path, "good")
        # the log now signs a tree whose first entries differ: a split view
        forked.fork = [make_entry([f"b{i}.example.com"], serial=90 + i) for i in range(6)]
        good.add(["sinopac-login.top"])
        code, rows, _ = _poll(runner)
        assert code == 1
        errors = [r for r in rows if "error" in r]
        assert errors == [{"log": "forked", "error": errors[0]["error"]}]
        assert "split view" in str(errors[0]["error"])
        assert [r["domain"] for r in rows if "domain" in r] == ["sinopac-login.top"]
        assert _verified(cli_db, "forked") == 4 and _verified(cli_db, "good") == 1
        # same size, another root: also a split view
        forked.fork = [make_entry([f"c{i}.example.com"], serial=70 + i) for i in range(4)]
        code, rows, _ = _poll(runner)
        assert code == 1 and "two different roots" in str(rows[0]["error"])
    with session_factory(cli_db)() as session:
        notices = session.scalars(select(NotifyNotice)).all()
        assert {(n.kind, n.severity) for n in notices} == {("ct_log_failure", "critical")}
        assert len(notices) == 2


def test_bad_signature_fails_the_log(runner: CliRunner, cli_db: Engine, tmp_path: Path) -> None:
    state = FakeLog()
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "signed")
        state.add(["yuanta-login.top"])
        state.bad_signature = True
        code, rows, _ = _poll(runner)
        assert code == 1 and "bad signature" in str(rows[0]["error"])
        assert _verified(cli_db, "signed") == 0
        state.bad_signature = False
        code, rows, _ = _poll(runner)
        assert code == 0 and rows[0]["domain"] == "yuanta-login.top"


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("answer", "html", "not JSON"),
        ("answer", "500", "HTTP 500"),
        ("answer", "close", "get-sth"),
        ("extra_entries", 2, "asked"),
        ("tamper_index", 1, "do not build the signed root"),
    ],
)
def test_misbehaving_log_never_moves_the_checkpoint(
    runner: CliRunner, cli_db: Engine, tmp_path: Path, setting: str, value: object, reason: str
) -> None:
    state = FakeLog()
    state.add(["a.example.com"])
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "flaky")
        state.add(["yuanta-login.top"])
        state.add(["b.example.com"])
        setattr(state, setting, value)
        code, rows, _ = _poll(runner)
        assert code == 1
        assert rows[0]["log"] == "flaky" and reason in str(rows[0]["error"])
        assert _verified(cli_db, "flaky") == 1
    with session_factory(cli_db)() as session:
        assert session.scalars(select(PhishingCase)).all() == []


def test_malformed_entry_in_a_verified_tree_is_reported_and_passed(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    state = FakeLog()
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "odd")
        state.entries.append((encode_leaf(LogLeaf(1, 0, b"not a certificate")), b"\0\0\0"))
        state.entries.append((b"\x00\x00garbage", b""))
        state.add(["kgi-login.com"])
        code, rows, err = _poll(runner)
    assert code == 0 and [r["domain"] for r in rows] == ["kgi-login.com"]
    assert "odd#0" in err and "odd#1" in err and "truncated" in err
    assert _verified(cli_db, "odd") == 3


def test_add_log_bad_input(runner: CliRunner, cli_db: Engine, tmp_path: Path) -> None:
    state = FakeLog()
    with LoopbackLog(state) as log:
        other = tmp_path / "other.pem"
        other.write_bytes(FakeLog().public_pem())  # another key: the tree head fails
        result = runner.invoke(
            cli,
            ["phishing", "ct", "add-log", "x", "--url", log.url, "--public-key", str(other)],
        )
        assert result.exit_code == 2 and "bad signature" in result.stderr
        garbage = tmp_path / "garbage.pem"
        garbage.write_text("not a key")
        for args, reason in (
            (["--public-key", str(garbage)], "public key"),
            (["--public-key", str(tmp_path / "none.pem")], "cannot read"),
            (["--public-key", str(other), "--start-index", "-1"], "start index"),
        ):
            result = runner.invoke(cli, ["phishing", "ct", "add-log", "x", "--url", log.url, *args])
            assert result.exit_code == 2 and reason in result.stderr, result.stderr
        _add(runner, log, tmp_path, "x")
        pem = tmp_path / "x.pem"
        again = runner.invoke(
            cli, ["phishing", "ct", "add-log", "x", "--url", log.url, "--public-key", str(pem)]
        )
        assert again.exit_code == 2 and "already followed" in again.stderr


def test_import_log_list(runner: CliRunner, cli_db: Engine) -> None:
    result = runner.invoke(
        cli, ["phishing", "ct", "import-log-list", str(FIXTURES / "ct" / "loglist3-sample.json")]
    )
    assert result.exit_code == 0, result.output
    assert "Racketeer" in result.stderr and "key refused" in result.stderr
    assert "retired" in result.stderr
    with session_factory(cli_db)() as session:
        names = {r.name: r for r in session.scalars(select(CTLog))}
    assert set(names) == {
        "google-aviator-log",
        "google-icarus-log",
        "google-rocketeer-log",
        "google-argon2020-log",
    }
    icarus = names["google-icarus-log"]
    assert icarus.url == "https://ct.googleapis.com/icarus/"
    assert icarus.log_id == "KTxRllTIOWW6qlD8WAfUt2+/WHopctykwwz05UVH9Hg="
    bad = runner.invoke(cli, ["phishing", "ct", "import-log-list", str(BRANDS_FILE)])
    assert bad.exit_code == 2


def test_partial_growth_is_proven_a_prefix_of_the_signed_tree(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    """With fewer entries taken than the log grew, a consistency proof covers the rest."""
    state = FakeLog(page_limit=1)
    with LoopbackLog(state) as log:
        _add(runner, log, tmp_path, "slow")
        for name in ("a.example.com", "fub0n.com", "b.example.com", "kgi-apk.net", "c.example.org"):
            state.add([name])
        seen: list[object] = []
        for expected in (2, 4, 5):
            result = runner.invoke(
                cli,
                ["phishing", "ct", "poll", "--once", "--json", "--brands", BRANDS,
                 "--max-entries", "2"],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            seen.extend(r["domain"] for r in _rows(result.stdout))
            assert _verified(cli_db, "slow") == expected
            assert "/log/ct/v1/get-sth-consistency" in state.requests
        assert seen == ["fub0n.com", "kgi-apk.net"]
        state.tamper_index = 5  # a tampered entry inside a partial take fails the prefix proof
        state.add(["d.example.com"])
        state.add(["e.example.com"])
        result = runner.invoke(
            cli,
            ["phishing", "ct", "poll", "--once", "--json", "--brands", BRANDS,
             "--max-entries", "1"],
        )  # fmt: skip
        (row,) = _rows(result.stdout)
        assert result.exit_code == 1 and "is not a prefix" in str(row["error"])
        assert _verified(cli_db, "slow") == 5
