"""``brokerguard phishing check|generate|scan|sms`` (A8.1)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from brokerguard.cli import runtime
from brokerguard.errors import ValidationError
from brokerguard.phishing.brands import Brand, load_brands
from brokerguard.phishing.ct import cli as ct_cli
from brokerguard.phishing.domains import HostError
from brokerguard.phishing.feeds import LineError, read_feed, urls_in_text
from brokerguard.phishing.permute import ALL_KINDS, generate
from brokerguard.phishing.scoring import Rejected, Scorer, Verdict

MAX_CASES_PER_SCAN = 1000
app = typer.Typer(
    help="仿冒網站與假冒 App 偵測 / phishing-site and counterfeit-app detection (A8.1, A6.3.1.3).",
    no_args_is_help=True,
)
app.add_typer(ct_cli.app, name="ct")

BrandsOption = Annotated[
    Path | None,
    typer.Option("--brands", help="brand YAML file (default: the brands in the database)"),
]


def _brands(path: Path | None) -> list[Brand]:
    if path is not None:
        return load_brands(path)
    from brokerguard.phishing.registry import current_brands

    ctx = runtime.context()
    with ctx.session() as session:
        brands = current_brands(session)
    if not brands:
        raise ValidationError(
            "no brands: give --brands FILE, import brands into the database "
            "or set BROKERGUARD_PHISHING_BRANDS_FILE",
            field="brands",
        )
    return brands


def _emit(data: Mapping[str, object]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _stdin_lines() -> Iterator[str | LineError]:
    """Lines of standard input as text; undecodable or over-long lines become errors."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (tests, embedded use)
        yield from (line for line in sys.stdin)
        return
    yield from read_feed(stream)


def _inputs(values: list[str]) -> Iterator[str | LineError]:
    for value in values:
        if value == "-":
            for line in _stdin_lines():
                if isinstance(line, str):
                    line = line.strip()
                    if not line:
                        continue
                yield line
        else:
            yield value


@app.command()
@runtime.handle_errors
def check(
    inputs: Annotated[list[str], typer.Argument(help="domains or URLs; '-' reads stdin")],
    brands: BrandsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """Does each domain or URL imitate a brand? One JSON line per input with --json."""
    scorer = Scorer(_brands(brands))
    for text in _inputs(inputs):
        if isinstance(text, LineError):
            if as_json:
                _emit({"input": text.input, "error": text.error})
            else:
                runtime.console.print(f"[yellow]skipped[/yellow] line {text.line}: {text.error}")
            continue
        try:
            verdict = scorer.check(text)
        except HostError as exc:
            data: dict[str, object] = {"input": text[:300], "error": exc.message}
            if as_json:
                _emit(data)
            else:
                runtime.console.print(f"[yellow]skipped[/yellow] {text[:80]!r}: {exc.message}")
            continue
        if as_json:
            _emit(verdict.as_dict())
        else:
            _print_verdict(verdict)


def _print_verdict(verdict: Verdict) -> None:
    mark = "[red]FLAGGED[/red]" if verdict.flagged else "[green]ok[/green]"
    shown = verdict.unicode
    if verdict.unicode != verdict.domain:
        shown = f"{verdict.unicode} ({verdict.domain})"
    runtime.console.print(
        f"{mark} {shown} brand={verdict.brand or '-'} score={verdict.score:.2f} "
        f"kind={verdict.kind or '-'}",
        highlight=False,
    )
    for reason in verdict.reasons:
        runtime.console.print(f"    {reason.zh} / {reason.en}", highlight=False)


@app.command("generate")
@runtime.handle_errors
def generate_command(
    brands: BrandsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="only these permutation kinds")
    ] = None,
    brand: Annotated[str | None, typer.Option("--brand", help="only this brand key")] = None,
) -> None:
    """Lookalike domains of every brand: one line per candidate."""
    loaded = _brands(brands)
    if kind:
        unknown = sorted(set(kind) - set(ALL_KINDS))
        if unknown:
            raise ValidationError(
                f"unknown kind {unknown[0]!r}; known: {', '.join(ALL_KINDS)}", field="kind"
            )
    if brand is not None:
        loaded = [b for b in loaded if b.key == brand]
        if not loaded:
            raise ValidationError(f"no brand with key {brand!r}", field="brand")
    for candidate in generate(loaded, kind or None):
        if as_json:
            _emit(candidate.as_dict())
        else:
            sys.stdout.write(f"{candidate.domain}\t{candidate.brand}\t{candidate.kind}\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]scanning[/bold]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        TextColumn("flagged {task.fields[flagged]}"),
        console=runtime.err_console,
        transient=False,
    )


class _CountingReader:
    """Wraps a binary stream to feed the progress bar with bytes read."""

    def __init__(self, stream: BinaryIO, on_read: Callable[[int], object]) -> None:
        self._stream = stream
        self._on_read = on_read

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self._on_read(len(data))
        return data


@app.command()
@runtime.handle_errors
def scan(
    feed: Annotated[Path, typer.Argument(help="CT JSON-lines file, domain list or URL feed")],
    brands: BrandsOption = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar on stderr")] = True,
    record: Annotated[
        bool, typer.Option("--record", help="store the run and open a case per flagged name")
    ] = False,
    source: Annotated[str, typer.Option(help="ct, nrd, urls or domains")] = "ct",
) -> None:
    """Scan a feed; prints flagged names and rejected lines as JSON lines, a summary on stderr."""
    if source not in ("ct", "nrd", "urls", "domains"):
        raise ValidationError("source must be ct, nrd, urls or domains", field="source")
    clock = runtime.clock()
    started = clock.now()
    scorer = Scorer(_brands(brands))
    flagged: list[Verdict] = []
    try:
        total = feed.stat().st_size
        handle = feed.open("rb")
    except OSError as exc:
        raise ValidationError(f"cannot read {feed}: {exc.strerror}", field="feed") from None
    counts = {"names": 0, "flagged": 0, "rejected": 0}
    bar: Progress | _NoProgress = _progress() if progress else _NoProgress()
    with handle, bar:
        task = bar.add_task("scan", total=total, flagged=0)
        reader = _CountingReader(handle, lambda n: bar.advance(task, n))
        for item in scorer.scan(_names(read_feed(reader), counts)):
            if isinstance(item, Verdict):
                counts["flagged"] += 1
                if record and len(flagged) < MAX_CASES_PER_SCAN:
                    flagged.append(item)
                _emit(item.as_dict())
                bar.update(task, flagged=counts["flagged"])
            elif isinstance(item, Rejected | LineError):
                counts["rejected"] += 1
                _emit(item.as_dict())
    runtime.err_console.print(
        f"scanned {counts['names']} names: {counts['flagged']} flagged, "
        f"{counts['rejected']} rejected",
        highlight=False,
    )
    if record:
        from brokerguard.phishing import service

        ctx = runtime.context()  # the database only to record: a plain scan needs none
        with ctx.session() as session:
            service.record_scan(
                session,
                clock,
                source=source,
                started_at=started,
                names=counts["names"],
                flagged=counts["flagged"],
                rejected=counts["rejected"],
                description=feed.name,
                settings=ctx.settings,
                actor="cli",
            )
            for verdict in flagged:
                service.open_site_case(session, clock, verdict, source=source, actor="cli")


def _names(items: Iterator[str | LineError], counts: dict[str, int]) -> Iterator[str]:
    for item in items:
        if isinstance(item, LineError):
            counts["rejected"] += 1
            _emit(item.as_dict())
            continue
        counts["names"] += 1
        yield item


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def add_task(self, *args: object, **kwargs: object) -> TaskID:
        return TaskID(0)

    def advance(self, task: TaskID, n: float) -> None:
        return None

    def update(self, task: TaskID, **kwargs: object) -> None:
        return None


@app.command()
@runtime.handle_errors
def sms(
    brands: BrandsOption = None,
    text: Annotated[str | None, typer.Option("--text", help="the message; stdin if absent")] = None,
) -> None:
    """Extract the links of an SMS or LINE message and check each (JSON lines)."""
    scorer = Scorer(_brands(brands))
    if text is not None:
        message = text
    else:
        raw = getattr(sys.stdin, "buffer", None)
        data = raw.read(200_000) if raw is not None else sys.stdin.read(200_000)
        message = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for url in urls_in_text(message):
        try:
            _emit(scorer.check(url).as_dict())
        except HostError as exc:
            _emit({"input": url[:300], "error": exc.message})


@app.command()
@runtime.handle_errors
def apps(
    apks: Annotated[list[Path] | None, typer.Argument(help="APK files")] = None,
    brands: BrandsOption = None,
    listings: Annotated[
        Path | None, typer.Option("--listings", help="store listings, CSV or JSON")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="store the run and open a case per counterfeit")
    ] = False,
) -> None:
    """Counterfeit apps (A6.3.1.3): one JSON line per listing row or APK."""
    from brokerguard.errors import BrokerguardError
    from brokerguard.phishing.apps import (
        AppVerdict,
        brand_looks,
        check_apk,
        check_listings,
        default_analyser,
        icons_from_files,
    )

    clock = runtime.clock()
    started = clock.now()
    loaded = _brands(brands)
    icons = icons_from_files(loaded, brands.parent) if brands is not None else {}
    looks = brand_looks(loaded, icons)
    results: list[AppVerdict] = []
    errors = 0
    if listings is not None:
        try:
            raw = listings.read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"cannot read {listings}: {exc.strerror}", field="listings"
            ) from None
        for item in check_listings(looks, raw, listings.name, base_dir=listings.parent):
            _emit(item.as_dict())
            if isinstance(item, AppVerdict):
                results.append(item)
            else:
                errors += 1
    analyser = default_analyser()
    for path in apks or []:
        try:
            verdict = check_apk(looks, path, analyser)
        except BrokerguardError as exc:
            errors += 1
            _emit({"input": str(path), "error": exc.message})
            continue
        results.append(verdict)
        _emit(verdict.as_dict())
    if record:
        from brokerguard.phishing import service

        ctx = runtime.context()  # the database only to record
        with ctx.session() as session:
            counterfeit = [v for v in results if v.flagged]
            service.record_scan(
                session,
                clock,
                source="apps",
                started_at=started,
                names=len(results),
                flagged=len(counterfeit),
                rejected=errors,
                description="store listings and APKs",
                settings=ctx.settings,
                actor="cli",
            )
            for verdict in counterfeit:
                service.open_app_case(session, clock, verdict, actor="cli")


@app.command("app-store-scan")
@runtime.handle_errors
def app_store_scan(
    brands: BrandsOption = None,
    record: Annotated[
        bool, typer.Option("--record", help="store the run and open a case per counterfeit")
    ] = False,
) -> None:
    """Search the App Store (iTunes Search API) for every brand; one JSON line per app."""
    import httpx

    from brokerguard.phishing.apps import brand_looks
    from brokerguard.phishing.appstore import AppStoreClient, record_app_store_scan, scan_app_store

    phishing = runtime.settings().phishing  # the database only to record
    loaded = _brands(brands)
    with httpx.Client(timeout=phishing.fetch_timeout_s, follow_redirects=False) as http:
        client = AppStoreClient(
            http, base_url=phishing.app_store_url, country=phishing.app_store_country
        )
        if not record:
            verdicts = scan_app_store(client, brand_looks(loaded))
        else:
            ctx = runtime.context()
            with ctx.session() as session:
                verdicts = record_app_store_scan(
                    session, ctx.clock, client, loaded, settings=ctx.settings,
                    actor="cli",
                )  # fmt: skip
    for verdict in verdicts:
        _emit(verdict.as_dict())


@app.command("import-brands")
@runtime.handle_errors
def import_brands(brands_file: Annotated[Path, typer.Argument(help="brand YAML file")]) -> None:
    """Store the brands of a YAML file in the database (insert or update by key)."""
    from brokerguard.phishing.registry import save_brands

    loaded = load_brands(brands_file)
    ctx = runtime.context()
    with ctx.session() as session:
        save_brands(session, ctx.clock, loaded)
    runtime.console.print(f"stored {len(loaded)} brands: {', '.join(b.key for b in loaded)}")


@app.command()
@runtime.handle_errors
def remind(
    recipients_file: Annotated[
        Path | None, typer.Option("--recipients", help="e-mail addresses, one per line")
    ] = None,
    periodic: Annotated[
        bool, typer.Option("--periodic", help="send only when the periodic reminder is due")
    ] = False,
    brands: BrandsOption = None,
) -> None:
    """Send the periodic anti-phishing reminder (e-mail, web banner, in-app feed)."""
    from brokerguard.phishing import reminders

    ctx = runtime.context()
    phishing = ctx.settings.phishing
    settings, clock = ctx.settings, ctx.clock
    recipients: list[str] = []
    if recipients_file is not None:
        try:
            text = recipients_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(
                f"cannot read {recipients_file}: {exc}", field="recipients"
            ) from None
        recipients = [line.strip() for line in text.splitlines() if line.strip()]
    domains = [d for b in _brands(brands) for d in b.domains]
    with ctx.session() as session:
        if periodic and not reminders.periodic_due(session, clock, phishing.reminder_every_days):
            runtime.console.print("periodic reminder not due yet")
            return
        channels = reminders.default_channels(settings, clock, phishing, email=bool(recipients))
        sends = reminders.send_reminder(
            session,
            clock,
            settings,
            template="periodic",
            channels=channels,
            recipients=recipients,
            domains=domains,
            trigger="periodic",
            actor="cli",
        )
    for send in sends:
        runtime.console.print(
            f"{send.channel} {send.language}: {send.recipients} sent, {send.failures} failed"
        )


@app.command("collect-evidence")
@runtime.handle_errors
def collect_evidence_command(
    case_id: Annotated[str, typer.Argument(help="case ID")],
    url: Annotated[str | None, typer.Option(help="page to fetch (default https://TARGET/)")] = None,
) -> None:
    """Fetch the suspected page (public addresses only) and file it as case evidence (A8.1)."""
    from brokerguard.phishing import fetch, service
    from brokerguard.phishing.apps import brand_looks
    from brokerguard.phishing.registry import current_brands

    ctx = runtime.context()
    phishing = ctx.settings.phishing
    with ctx.session() as session:
        case = service.get_case(session, case_id)
        if case.kind != "site":
            raise ValidationError("only site cases have a page to fetch", field="case_id")
        brand = service.brand_of(current_brands(session), case.brand_key)
        target = url or f"https://{case.target}/"
        result = fetch.fetch_page(
            target, timeout=phishing.fetch_timeout_s, max_bytes=phishing.fetch_max_bytes
        )
        names = [brand.spec.name_zh, brand.spec.name_en, *brand.spec.aliases] if brand else []
        facts = fetch.analyse_page(result, names)
        looks = brand_looks([brand]) if brand is not None else []
        icons = [h for look in looks for h in look.icons]
        facts.favicon_distance = fetch.favicon_distance(
            facts,
            icons,
            lambda u: fetch.fetch_page(u, timeout=phishing.fetch_timeout_s, max_bytes=256 * 1024),
        )
        refs = fetch.collect_evidence(
            session, ctx.clock, ctx.settings, case, result, facts, actor="cli"
        )
    _emit(
        {
            "case": case_id,
            "status": result.status,
            "title": facts.title,
            "login_form": facts.login_form,
            "evidence": refs,
        }
    )
