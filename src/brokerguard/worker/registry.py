"""The jobs the domains declare: ``JOBS: tuple[JobSpec, ...]`` in ``<domain>/jobs.py``,
with their schedules (the job's own or the settings' override), checked at start-up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from brokerguard.errors import ConfigurationError, ValidationError
from brokerguard.kernel.jobs import JobSpec
from brokerguard.plugins import import_domain_modules
from brokerguard.worker.cron import Schedule, parse_cron

#: modules named ``jobs`` that are not a domain's declarations
NOT_DECLARATIONS = frozenset({"brokerguard.kernel.jobs"})


@dataclass(frozen=True)
class ScheduledJob:
    spec: JobSpec
    schedule: Schedule

    @property
    def name(self) -> str:
        return self.spec.name


def declared_jobs() -> list[JobSpec]:
    """Every domain's ``JOBS``; a malformed module stops start-up naming the domain."""
    found: list[JobSpec] = []
    for module in import_domain_modules("jobs"):
        if module.__name__ in NOT_DECLARATIONS:
            continue
        jobs = getattr(module, "JOBS", None)
        if not isinstance(jobs, tuple) or not all(isinstance(j, JobSpec) for j in jobs):
            raise ConfigurationError(f"{module.__name__}.JOBS must be a tuple of JobSpec")
        found.extend(jobs)
    return found


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
