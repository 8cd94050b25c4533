"""Publishing workflow (A5.3.3), the disclosure profile and disclosure checks (A5.3.2, A5.4.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, as_utc
from brokerguard.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from brokerguard.registerkit.spec import table_file
from brokerguard.social.disclosure import Expected, missing_items, page_text
from brokerguard.social.fetch import FetchedPage, FetchError, FetchPolicy, fetch_page
from brokerguard.social.models import (
    DisclosureCheck,
    DisclosureProfile,
    OfficialAccount,
    SocialPost,
)
from brokerguard.social.registers import account_by_name
from brokerguard.tabular import Column

DRAFT, APPROVED, PUBLISHED, REJECTED = "draft", "approved", "published", "rejected"
Fetcher = Callable[[str, FetchPolicy], FetchedPage]


def _text(value: str, field: str, max_chars: int, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationError(f"{field} is required", field=field)
    if len(cleaned) > max_chars:
        raise ValidationError(f"{field} is longer than {max_chars} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in cleaned):
        raise ValidationError(f"{field} contains control characters", field=field)
    return cleaned


# --- publishing workflow -------------------------------------------------------------


def get_post(session: Session, post_id: str) -> SocialPost:
    row = session.get(SocialPost, post_id) if 0 < len(post_id) <= 64 else None
    if row is None:
        raise NotFoundError(f"no post {post_id[:64]!r}", field="post_id")
    return row


def draft_post(
    session: Session, clock: Clock, *, account: str, title: str, body: str, actor: str
) -> SocialPost:
    target = account_by_name(session, _text(account, "account", 128))
    if not target.active:
        raise ValidationError(f"the account {target.name!r} is not active", field="account")
    row = SocialPost(
        account_id=target.id,
        title=_text(title, "title", 255),
        body=_text(body, "body", 20000),
        status=DRAFT,
        drafted_by=_text(actor, "actor", 128),
        drafted_at=clock.now(),
        review_note="",
        published_url="",
    )
    session.add(row)
    session.flush()
    return row


def edit_draft(
    session: Session, clock: Clock, post_id: str, *, title: str, body: str, actor: str
) -> SocialPost:
    row = get_post(session, post_id)
    if row.status != DRAFT:
        raise ConflictError(f"only drafts can be edited; this post is {row.status}", field="status")
    row.title = _text(title, "title", 255)
    row.body = _text(body, "body", 20000)
    row.drafted_by = _text(actor, "actor", 128)
    row.drafted_at = clock.now()
    session.flush()
    return row


def approve_post(
    session: Session, clock: Clock, post_id: str, *, approver: str, note: str = ""
) -> SocialPost:
    """Approve a draft: the approver must be another person than whoever drafted it."""
    row = get_post(session, post_id)
    if row.status != DRAFT:
        raise ConflictError(
            f"only drafts can be approved; this post is {row.status}", field="status"
        )
    who = _text(approver, "approver", 128)
    if who == row.drafted_by:
        raise PermissionDeniedError(
            "a post must be approved by another person than its author", field="approver"
        )
    row.status = APPROVED
    row.approved_by = who
    row.approved_at = clock.now()
    row.review_note = _text(note, "note", 2000, required=False)
    session.flush()
    return row


def reject_post(
    session: Session, clock: Clock, post_id: str, *, approver: str, note: str
) -> SocialPost:
    row = get_post(session, post_id)
    if row.status != DRAFT:
        raise ConflictError(
            f"only drafts can be rejected; this post is {row.status}", field="status"
        )
    who = _text(approver, "approver", 128)
    if who == row.drafted_by:
        raise PermissionDeniedError("the author cannot review their own post", field="approver")
    row.status = REJECTED
    row.approved_by = who
    row.approved_at = clock.now()
    row.review_note = _text(note, "note", 2000)
    session.flush()
    return row


def publish_post(
    session: Session, clock: Clock, post_id: str, *, publisher: str, url: str = ""
) -> SocialPost:
    """Record publication: only an approved post, and the record keeps who and where."""
    row = get_post(session, post_id)
    if row.status != APPROVED:
        raise ConflictError(
            f"only approved posts can be published; this post is {row.status}", field="status"
        )
    link = _text(url, "url", 500, required=False)
    if link and not link.startswith(("https://", "http://")):
        raise ValidationError("the published link must be an http(s) address", field="url")
    row.status = PUBLISHED
    row.published_by = _text(publisher, "publisher", 128)
    row.published_at = clock.now()
    row.published_url = link
    session.flush()
    return row


def list_posts(session: Session, *, status: str | None = None) -> list[SocialPost]:
    statement = select(SocialPost).order_by(SocialPost.drafted_at.desc())
    if status is not None:
        if status not in (DRAFT, APPROVED, PUBLISHED, REJECTED):
            raise ValidationError("unknown status", field="status")
        statement = statement.where(SocialPost.status == status)
    return list(session.scalars(statement))


def post_summary(session: Session, row: SocialPost) -> dict[str, Any]:
    account = session.get(OfficialAccount, row.account_id)

    def iso(value: Any) -> str | None:
        return as_utc(value).isoformat() if value is not None else None

    return {
        "id": row.id,
        "account": account.name if account else "",
        "title": row.title,
        "body": row.body,
        "status": row.status,
        "drafted_by": row.drafted_by,
        "drafted_at": iso(row.drafted_at),
        "approved_by": row.approved_by,
        "approved_at": iso(row.approved_at),
        "review_note": row.review_note,
        "published_by": row.published_by,
        "published_at": iso(row.published_at),
        "published_url": row.published_url,
    }


POST_COLUMNS = tuple(
    Column(name, (zh, name))
    for name, zh in (
        ("account", "帳號"),
        ("title", "標題"),
        ("status", "狀態"),
        ("drafted_by", "撰稿人"),
        ("drafted_at", "撰稿時間"),
        ("approved_by", "核准人"),
        ("approved_at", "核准時間"),
        ("review_note", "覆核意見"),
        ("published_by", "發布人"),
        ("published_at", "發布時間"),
        ("published_url", "發布連結"),
    )
)


def export_posts(session: Session, fmt: str) -> tuple[bytes, str, str]:
    rows = [post_summary(session, r) for r in list_posts(session)]
    return table_file(POST_COLUMNS, rows, fmt, "social-posts")


# --- disclosure profile and checks ---------------------------------------------------

PROFILE_FIELDS = {
    "firm_name": 255,
    "address": 255,
    "phone": 64,
    "licence_number": 128,
    "complaint_contact": 255,
    "complaint_handler": 255,
}


def get_profile(session: Session) -> DisclosureProfile | None:
    return session.get(DisclosureProfile, "firm")


def set_profile(
    session: Session, clock: Clock, values: dict[str, str], actor: str
) -> DisclosureProfile:
    """What every official account must show: firm name, address, phone, licence, complaints."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    cleaned = {
        name: _text(values.get(name, ""), name, size) for name, size in PROFILE_FIELDS.items()
    }
    digits = "".join(ch for ch in cleaned["phone"] if ch.isdigit())
    if len(digits) < 7:
        raise ValidationError("the phone number needs at least 7 digits", field="phone")
    row = get_profile(session)
    if row is None:
        row = DisclosureProfile(id="firm")
        session.add(row)
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.updated_at = clock.now()
    session.flush()
    return row


def profile_dict(row: DisclosureProfile | None) -> dict[str, str]:
    if row is None:
        return dict.fromkeys(PROFILE_FIELDS, "")
    return {name: str(getattr(row, name)) for name in PROFILE_FIELDS}


def check_account_disclosure(
    session: Session,
    clock: Clock,
    account: OfficialAccount,
    *,
    policy: FetchPolicy | None = None,
    fetcher: Fetcher = fetch_page,
) -> DisclosureCheck:
    """Fetch the account's public page and record which disclosure items it lacks."""
    profile = get_profile(session)
    if profile is None:
        raise ConflictError(
            "set the disclosure profile (firm name, address, ...) first", field="profile"
        )
    expected = Expected(
        profile.firm_name,
        profile.address,
        profile.phone,
        profile.licence_number,
        profile.complaint_contact,
        profile.complaint_handler,
    )
    record = DisclosureCheck(account_id=account.id, checked_at=clock.now(), url=account.url)
    try:
        page = fetcher(account.url, policy or FetchPolicy())
    except FetchError as exc:
        record.outcome = "error"
        record.http_status = exc.status
        record.detail = exc.reason[:2000]
        record.missing = ""
        record.content_sha256 = ""
    else:
        record.http_status = page.status
        record.content_sha256 = hashlib.sha256(page.content).hexdigest()
        if page.status != 200:
            record.outcome = "error"
            record.missing = ""
            record.detail = f"HTTP {page.status}"
        else:
            missing = missing_items(page_text(page.content, page.charset), expected)
            record.outcome = "fail" if missing else "pass"
            record.missing = ",".join(missing)
            record.detail = f"fetched {page.url}"[:2000]
    session.add(record)
    session.flush()
    return record


def check_all_disclosures(
    session: Session,
    clock: Clock,
    *,
    policy: FetchPolicy | None = None,
    fetcher: Fetcher = fetch_page,
) -> list[DisclosureCheck]:
    accounts = session.scalars(
        select(OfficialAccount)
        .where(OfficialAccount.active.is_(True))
        .order_by(OfficialAccount.name)
    )
    return [
        check_account_disclosure(session, clock, a, policy=policy, fetcher=fetcher)
        for a in list(accounts)
    ]


def latest_checks(session: Session) -> dict[str, DisclosureCheck]:
    """Account ID -> its most recent disclosure check."""
    latest: dict[str, DisclosureCheck] = {}
    for row in session.scalars(select(DisclosureCheck).order_by(DisclosureCheck.checked_at)):
        latest[row.account_id] = row
    return latest


def check_summary(session: Session, row: DisclosureCheck) -> dict[str, Any]:
    account = session.get(OfficialAccount, row.account_id)
    return {
        "id": row.id,
        "account": account.name if account else "",
        "checked_at": as_utc(row.checked_at).isoformat(),
        "url": row.url,
        "outcome": row.outcome,
        "missing": row.missing.split(",") if row.missing else [],
        "http_status": row.http_status,
        "content_sha256": row.content_sha256,
        "detail": row.detail,
    }
