"""``brokerguard etrade ...``: customers, TOTP enrolment, unlock, key rotation, TLS check."""

from __future__ import annotations

from typing import Annotated

import typer

from brokerguard.audit.sink import session_audit_sink
from brokerguard.auth import lockout
from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.events import RequestMeta
from brokerguard.auth.service import (
    credential_service,
    rotate_seed_keys,
    secret_box,
)
from brokerguard.auth.tls import probe_tls
from brokerguard.cli import runtime
from brokerguard.errors import ValidationError

app = typer.Typer(help="電子交易登入服務 / E-trading login service (Art. 9).", no_args_is_help=True)


@app.command("customer-create")
@runtime.handle_errors
def customer_create(
    account: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    display_name: Annotated[str, typer.Option()] = "",
    verified_by: Annotated[
        str, typer.Option(help="staff member who checked the customer's identity")
    ] = "",
) -> None:
    """Open an e-trading customer; the password must meet the policy (exit 2 if not)."""
    if not password_stdin:
        raise ValidationError(
            "use --password-stdin: passwords never go on the command line", field="password"
        )
    password = runtime.read_secret_stdin()
    ctx = runtime.context()
    with ctx.session() as session:
        creds = credential_service(session, ctx.clock, session_audit_sink(session), ctx.settings)
        creds.create_customer(
            account,
            password,
            RequestMeta.cli("customer-create", verified_by or None),
            display_name=display_name,
            identity_verified_by=verified_by,
        )
    runtime.console.print(f"created e-trading customer {account}")


@app.command("enroll-totp")
@runtime.handle_errors
def enroll_totp(
    account: str,
    device_id: Annotated[str, typer.Option(help="the device the OTP app runs on")] = "",
    pending: Annotated[
        bool, typer.Option("--pending", help="wait for the customer to confirm with a code")
    ] = False,
) -> None:
    """Issue a TOTP seed and print its otpauth:// URI once (handed over in person)."""
    ctx = runtime.context()
    with ctx.session() as session:
        creds = credential_service(session, ctx.clock, session_audit_sink(session), ctx.settings)
        customer = creds.get_customer(account)
        enrolment = creds.enroll_totp(
            customer,
            RequestMeta.cli("enroll-totp"),
            device_id=device_id,
            activate=not pending,
        )
    print(enrolment.uri)


@app.command("unlock")
@runtime.handle_errors
def unlock(
    account: str,
    by: Annotated[str, typer.Option("--by", help="staff member authorising the unlock")],
    reason: Annotated[str, typer.Option(help="why, e.g. identity checked at the branch")],
) -> None:
    """Unlock an account after 5 wrong passwords (an audited staff action)."""
    ctx = runtime.context()
    with ctx.session() as session:
        creds = credential_service(session, ctx.clock, session_audit_sink(session), ctx.settings)
        creds.unlock(account, RequestMeta.cli("unlock", by.strip() or None), reason=reason)
    runtime.console.print(f"unlocked {account}")


@app.command("status")
@runtime.handle_errors
def status(account: str) -> None:
    """Show a customer's factors and lock state."""
    ctx = runtime.context()
    auth = ctx.settings.auth
    with ctx.session() as session:
        creds = credential_service(session, ctx.clock, session_audit_sink(session), ctx.settings)
        customer = creds.get_customer(account)
        counter = lockout.lock_state(session, account)
        failed = counter.failed_count if counter else 0
        state = "locked" if failed >= auth.lock_threshold else "open"
        runtime.console.print(f"{customer.account}: {customer.status}, {state} ({failed} failures)")
        from brokerguard.auth.lifecycle import factors_of

        for factor in factors_of(session, customer.id):
            runtime.console.print(f"  {factor.type:<12} {factor.status:<10} {factor.label}")


@app.command("rotate-keys")
@runtime.handle_errors
def rotate_keys() -> None:
    """Re-encrypt every TOTP seed under BROKERGUARD_AUTH_SEED_KEY_VERSION."""
    ctx = runtime.context()
    auth = ctx.settings.auth
    with ctx.session() as session:
        changed = rotate_seed_keys(session, secret_box(ctx.settings, auth))
    runtime.console.print(f"re-encrypted {changed} seeds with key v{auth.seed_key_version}")


@app.command("tls-check")
@runtime.handle_errors
def tls_check(
    host: Annotated[str | None, typer.Argument()] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535)] = None,
) -> None:
    """Handshake with the login endpoint; exit 1 when TLS < 1.2 or the certificate is bad."""
    auth = runtime.settings().auth
    target = host or auth.tls_check_host
    if not target:
        raise ValidationError("give HOST or set BROKERGUARD_AUTH_TLS_CHECK_HOST", field="host")
    report = probe_tls(
        target,
        port or auth.tls_check_port,
        now=runtime.clock().now(),
        ca_file=auth.tls_check_ca_file,
    )
    runtime.console.print(
        f"{report.host}:{report.port} protocol={report.protocol or '-'} "
        f"cipher={report.cipher or '-'} days_left={report.days_left}"
    )
    if not report.ok:
        runtime.err_console.print(f"TLS check failed: {report.error}")
        raise typer.Exit(runtime.EXIT_FAILED)


@app.command("assess-biometric")
@runtime.handle_errors
def assess_biometric(
    method: str,
    assessor: Annotated[str, typer.Option(help="who assessed the method")],
    conclusion: Annotated[str, typer.Option(help="effective or ineffective")],
    summary: Annotated[str, typer.Option()] = "",
    evidence: Annotated[str, typer.Option(help="evidence:sha256:... of the report")] = "",
) -> None:
    """Record the effectiveness assessment of an indirect biometric method (A9.1.3)."""
    ctx = runtime.context()
    with ctx.session() as session:
        record_assessment(
            session,
            ctx.clock,
            method=method,
            assessed_by=assessor,
            conclusion=conclusion,
            summary=summary,
            evidence_ref=evidence,
        )
    runtime.console.print(f"recorded assessment of {method}: {conclusion}")
