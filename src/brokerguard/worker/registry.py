"""The jobs the domains declare (``jobs=`` in each domain's manifest, from its
``jobs.py``), with their schedules (the job's own or the settings' override)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from brokerguard.errors import ValidationError
from brokerguard.kernel.jobs import JobSpec, StreamConsumer
from brokerguard.worker.cron import Schedule, parse_cron


@dataclass(frozen=True)
class ScheduledJob:
    spec: JobSpec
    schedule: Schedule

    @property
    def name(self) -> str:
        return self.spec.name


def declared_jobs() -> list[JobSpec]:
    """Every domain's jobs, in the order of :mod:`brokerguard.domains`."""
    from brokerguard.domains import all_domains

    return [job for manifest in all_domains() for job in manifest.jobs]


def declared_consumers() -> list[StreamConsumer]:
    """Every domain's continuous consumers, in the order of :mod:`brokerguard.domains`."""
    from brokerguard.domains import all_domains

    return [consumer for manifest in all_domains() for consumer in manifest.consumers]


def job_table(specs: Iterable[JobSpec], overrides: Mapping[str, str]) -> dict[str, ScheduledJob]:
    """Jobs by name with their parsed schedules. A duplicate name, a bad cron expression
    or an override for an unknown job raises :class:`ValidationError` naming it."""
    table: dict[str, ScheduledJob] = {}
    for spec in specs:
        if spec.name in table:
            raise ValidationError(f"job {spec.name} is declared twice", field="job")
        expression = overrides.get(spec.name, spec.schedule)
        where = f"worker.schedules.{spec.name}" if spec.name in overrides else spec.name
        table[spec.name] = ScheduledJob(spec, parse_cron(expression, field=where))
    unknown = sorted(set(overrides) - set(table))
    if unknown:
        raise ValidationError(
            f"schedule given for unknown job(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(table))}",
            field="worker.schedules",
        )
    return dict(sorted(table.items()))
