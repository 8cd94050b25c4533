""" "My tasks" on the dashboard (issue 17, item 5): what waits for the signed-in person.

- findings they own (by name, username or unit), overdue first;
- release candidates waiting for their unit's approval (A6.3.1.4, security or compliance);
- policies waiting for approval (compliance) and policies of their unit due for review.

Each task links to the page where it is done. Read only; the services decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from brokerguard.findings.service import list_open
from brokerguard.mobile import approvals, registry
from brokerguard.policies.schemas import PolicyStatus
from brokerguard.policies.service import list_policies
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity

REVIEW_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Task:
    kind: str  # finding, approve_release, approve_policy, review_policy
    title: str  # the record's own name (data)
    href: str
    due: date | None
    overdue: bool


def _findings(session: Session, staff: StaffIdentity, today: date) -> list[Task]:
    mine = {staff.display_name, staff.username, staff.unit} - {""}
    return [
        Task("finding", f.title, f"/findings/{f.id}", f.due_date, f.is_overdue(today))
        for f in list_open(session)
        if f.owner in mine
    ]


def _release_approvals(session: Session, staff: StaffIdentity) -> list[Task]:
    units = [u for u in approvals.Unit if Role(u.role) in staff.roles]
    if not units:
        return []
    tasks = []
    for app in registry.list_apps(session):
        for release in registry.releases(session, app):
            if release.status != "candidate":
                continue
            done = approvals.approvals_of(session, release)
            if any(unit not in done for unit in units):
                title = f"{app.slug} {release.version_name}"
                href = f"/mobile/apps/{app.slug}"
                tasks.append(Task("approve_release", title, href, None, False))
    return tasks


def _policies(session: Session, staff: StaffIdentity, today: date) -> list[Task]:
    tasks = []
    horizon = today + timedelta(days=REVIEW_WINDOW_DAYS)
    for policy in list_policies(session):
        href = f"/policies#policy-{policy.id}"
        title = f"{policy.title} v{policy.version}"
        if policy.status is PolicyStatus.draft and Role.compliance in staff.roles:
            approve = f"/policies/{policy.id}/approve"
            tasks.append(Task("approve_policy", title, approve, None, False))
        elif (
            policy.status is PolicyStatus.approved
            and policy.owner_unit == staff.unit
            and policy.next_review is not None
            and policy.next_review <= horizon
        ):
            overdue = policy.next_review < today
            tasks.append(Task("review_policy", title, href, policy.next_review, overdue))
    return tasks


def my_tasks(session: Session, staff: StaffIdentity, today: date) -> list[Task]:
    """The signed-in person's tasks: overdue first, then by due date, undated last."""
    tasks = _findings(session, staff, today)
    tasks += _release_approvals(session, staff)
    tasks += _policies(session, staff, today)
    return sorted(tasks, key=lambda t: (not t.overdue, t.due is None, t.due or today, t.title))
