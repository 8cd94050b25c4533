"""``job_runs``: one row per job and schedule slot (the unique claim), kept as its record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class JobRun(Base):
    """A run of a job: claimed (``queued``), ``running``, then ``ok``, ``failed`` or
    ``skipped``. ``(job, slot)`` is unique, so two workers never run one slot twice."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),
        Index("ix_job_runs_job_queued", "job", "queued_at"),
        Index("ix_job_runs_status_lease", "status", "lease_until"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    job: Mapped[str] = mapped_column(String(64))
    #: the scheduled minute (ISO, UTC) or ``manual:<time>:<id>`` for a run started by hand
    slot: Mapped[str] = mapped_column(String(96))
    #: schedule or manual
    trigger: Mapped[str] = mapped_column(String(16))
    #: queued, running, ok, failed, skipped
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a claimed or running row whose lease has passed is taken over (its worker died)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    worker: Mapped[str] = mapped_column(String(64), default="")
    requested_by: Mapped[str] = mapped_column(String(128), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
