"""Demo firm video identity sessions: a year of approved sessions with every step, one rejected,
one still in progress, and one synthetic session whose recording the analyser checks for real.

The historical sessions predate the analyser: a second reviewer documented an override for
each, so the A10.1 check that counts sessions approved without an analysis shows them.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

from PIL import Image

from brokerguard.clock import FixedClock
from brokerguard.deepfake import automatic, service, uploads
from brokerguard.deepfake.analysis.schedule import draw_schedule
from brokerguard.deepfake.detector import NoDetector
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.deepfake.jobs import BUDGET_S, LEASE_S
from brokerguard.deepfake.models import VideoAnalysis
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.demodata import DemoContext

OVERRIDER = "資安專責單位 陳"


class _DemoPhone:
    """Stands in for the SMS gateway: the customer 'reads back' what was sent."""

    def __init__(self) -> None:
        self.last = ""

    def send(self, channel: str, destination: str, code: str) -> None:
        self.last = code


def load_demo(ctx: DemoContext) -> None:
    cfg = ctx.settings.deepfake
    operators = ["許家豪", "鄭美玲"]
    reviewer = "經紀業務部主管 林"
    phone = _DemoPhone()
    for index in range(14):
        when = FixedClock(
            ctx.clock.now() - timedelta(days=350 - index * 25, hours=ctx.rng.randint(1, 8))
        )
        operator = operators[index % 2]
        row = service.start_session(
            ctx.session,
            when,
            customer_ref=f"9801-{ctx.rng.randint(100000, 999999)}",
            purpose="account_opening" if index % 3 else "credential_reissue",
            operator=operator,
        )
        service.send_otp(
            ctx.session,
            when,
            cfg,
            phone,
            row.id,
            channel="sms",
            registered_destination=f"09{ctx.rng.randint(10000000, 99999999)}",
        )
        when.advance(timedelta(seconds=40))
        service.verify_otp(ctx.session, when, cfg, row.id, phone.last)
        service.record_challenges(ctx.session, when, row.id, [True, True, True], operator)
        mismatch = index == 9
        service.record_id_photo(
            ctx.session,
            when,
            row.id,
            result="mismatch" if mismatch else "match",
            note="臉部特徵與證件照不符，疑似換臉影片" if mismatch else "",
            actor=operator,
        )
        recording = f"demo-recording-{row.id}".encode()
        service.attach_recording(ctx.session, when, cfg, row.id, recording, NoDetector())
        if not mismatch:
            service.override_analysis(
                ctx.session,
                when,
                row.id,
                actor=OVERRIDER,
                note="導入錄影自動分析前之案件：錄影經資安專責單位人工逐段檢視，確認為本人",
            )
        when.advance(timedelta(minutes=30))
        if mismatch:
            service.reject(
                ctx.session, when, row.id, reviewer=reviewer, note="證件照比對不符，請客戶臨櫃辦理"
            )
        else:
            approve_and_keep(
                ctx.session, when, ctx.settings, row.id, reviewer=reviewer, note="核驗步驟完整"
            )
    analysed_session(ctx, cfg, reviewer)
    recent = FixedClock(ctx.clock.now() - timedelta(hours=2))
    service.start_session(
        ctx.session,
        recent,
        customer_ref="9801-778812",
        purpose="account_opening",
        operator="許家豪",
    )


def analysed_session(ctx: DemoContext, cfg: DeepfakeSettings, reviewer: str) -> None:
    """A session whose synthetic recording (a re-textured face that follows the session's
    own schedule) the analyser checks; approved on its automatic pass."""
    try:
        from brokerguard.deepfake.analysis import synthetic
    except ImportError:
        ctx.notes.append("video analysis demo skipped: install the 'video' extra")
        return
    when = FixedClock(ctx.clock.now() - timedelta(days=1))
    operator = "許家豪"
    row = service.start_session(
        ctx.session,
        when,
        customer_ref="9801-505050",
        purpose="account_opening",
        operator=operator,
        schedule=draw_schedule(lead_in_s=1.0, window_s=2.5, gap_s=0.5),
    )
    phone = _DemoPhone()
    service.send_otp(
        ctx.session, when, cfg, phone, row.id, channel="sms", registered_destination="0912505050"
    )
    service.verify_otp(ctx.session, when, cfg, row.id, phone.last)
    service.record_challenges(ctx.session, when, row.id, [True, True, True], operator)
    service.record_id_photo(ctx.session, when, row.id, result="match", note="", actor=operator)
    folder = Path(ctx.settings.data_dir) / "demo-video"
    folder.mkdir(parents=True, exist_ok=True)
    photo = folder / "id-photo.png"
    Image.fromarray(synthetic.astronaut()).save(photo)
    recording = synthetic.make_clip(
        folder / f"recording-{row.id}.mp4",
        "rotated_face",
        automatic.session_schedule(row),
        fps=10,
        tail_s=0.5,
    )
    # the same path as an upload from the session page: checked, stored, queued, then
    # analysed by the worker job's own function (here, in the demo's transaction)
    upload = uploads.submit_recording(
        ctx.session,
        when,
        ctx.settings,
        row.id,
        recording=recording.read_bytes(),
        id_photo=photo.read_bytes(),
        actor=operator,
    )
    uploads.analyse_pending(
        lambda: nullcontext(ctx.session),
        when,
        ctx.settings,
        lease_s=LEASE_S,
        budget_s=BUDGET_S,
    )
    ctx.session.refresh(upload)
    analysis = ctx.session.get(VideoAnalysis, upload.analysis_id) if upload.analysis_id else None
    if analysis is None:
        ctx.notes.append(f"video analysis demo: upload {upload.id} {upload.state}")
        return
    when.advance(timedelta(minutes=20))
    if analysis.automatic_pass:
        approve_and_keep(
            ctx.session, when, ctx.settings, row.id, reviewer=reviewer, note="自動分析通過"
        )
    ctx.notes.append(
        f"video analysis demo: session {row.id} "
        f"{'passed' if analysis.automatic_pass else 'did not pass'} the automatic analysis"
    )
