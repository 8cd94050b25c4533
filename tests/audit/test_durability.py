"""Durable audit commits (issue 12, item 4): a committed audit record survives a crash."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from brokerguard.audit import service
from brokerguard.audit.sealing import read_witness, witness_path
from brokerguard.clock import FixedClock
from tests.audit.helpers import fill, make_event, settings_for


def test_audit_transactions_commit_synchronously(engine: Engine, clock: FixedClock) -> None:
    # one connection throughout: the session setting is the connection's, and a session
    # on the engine may take another pooled connection after the commit
    with engine.connect() as connection, Session(bind=connection) as session:
        if engine.dialect.name == "postgresql":
            # a DBA (or a role default) switched it off for speed: audit writes turn it on
            session.execute(text("SET synchronous_commit = off"))
            session.commit()
            service.append(session, clock, [make_event(1, clock.now())])
            level = session.execute(text("SHOW synchronous_commit")).scalar_one()
            assert level == "on"
            session.commit()
            assert session.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
        else:
            service.append(session, clock, [make_event(1, clock.now())])
            assert session.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            session.commit()


def test_the_witness_file_and_its_folder_are_fsynced(
    engine: Engine, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("folder" if stat.S_ISDIR(mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [3])
    assert synced[-2:] == ["file", "folder"]
    witness = read_witness(settings.data_dir)
    assert witness is not None and witness["tree_size"] == 3
    assert not witness_path(settings.data_dir).with_suffix(".tmp").exists()
