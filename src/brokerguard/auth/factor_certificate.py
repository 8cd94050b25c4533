"""Certificate factor (憑證, A9.1.2): the customer's X.509 certificate signs the nonce.

The certificate registered at enrolment must chain to one of the configured CA
certificates, be within its validity dates and not be on the CA's CRL (the CRL
file must itself be signed by that CA and be current).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy import select

from brokerguard.auth.challenges import consume_challenge, decode_signature, signed_message
from brokerguard.auth.factors import Category, FactorContext, FactorVerdict
from brokerguard.auth.keysig import verify_signature
from brokerguard.auth.models import EnrolledFactor
from brokerguard.errors import ValidationError

MAX_PEM_BYTES = 16 * 1024


def parse_certificate(pem: str) -> x509.Certificate:
    if len(pem.encode("utf-8")) > MAX_PEM_BYTES:
        raise ValidationError("certificate larger than 16 KiB", field="certificate")
    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except ValueError:
        raise ValidationError("not a PEM X.509 certificate", field="certificate") from None


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def load_ca_certificates(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for path in paths:
        found.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return found


def load_crl(path: Path) -> x509.CertificateRevocationList:
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def certificate_problem(
    cert: x509.Certificate,
    cas: list[x509.Certificate],
    crl: x509.CertificateRevocationList | None,
    now: datetime,
) -> str | None:
    """Why ``cert`` is not acceptable now, or None when it is."""
    issuer = None
    for ca in cas:
        if ca.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        issuer = ca
        break
    if issuer is None:
        return "untrusted_certificate"
    if now < cert.not_valid_before_utc or now > cert.not_valid_after_utc:
        return "expired_certificate"
    if now < issuer.not_valid_before_utc or now > issuer.not_valid_after_utc:
        return "expired_certificate"
    if crl is not None:
        if crl.issuer != issuer.subject or not crl.is_signature_valid(
            issuer.public_key()  # type: ignore[arg-type]
        ):
            return "crl_invalid"
        next_update = crl.next_update_utc
        if next_update is not None and next_update < now:
            return "crl_stale"
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            return "revoked_certificate"
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        return "unsupported_key"
    return None


class CertificateFactor:
    type: ClassVar[str] = "certificate"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})

    def verify(self, ctx: FactorContext, submission: Any) -> FactorVerdict:
        query = select(EnrolledFactor).where(
            EnrolledFactor.customer_id == ctx.customer.id,
            EnrolledFactor.type == "certificate",
            EnrolledFactor.status == "active",
        )
        if submission.fingerprint:
            query = query.where(EnrolledFactor.fingerprint == submission.fingerprint.lower())
        factors = ctx.session.scalars(query.order_by(EnrolledFactor.created_at.desc())).all()
        if not factors:
            return FactorVerdict.fail("factor_not_enrolled")
        factor = factors[0]
        nonce = consume_challenge(
            ctx.session,
            ctx.clock,
            challenge_id=submission.challenge_id,
            login_token_id=ctx.login_token_id,
            factor_type=self.type,
        )
        if nonce is None:
            return FactorVerdict.fail("invalid_nonce", factor_id=factor.id)
        cert = parse_certificate(factor.certificate_pem or "")
        cas = load_ca_certificates(ctx.settings.ca_cert_files)
        crl = load_crl(ctx.settings.crl_file) if ctx.settings.crl_file else None
        problem = certificate_problem(cert, cas, crl, ctx.clock.now())
        if problem is not None:
            return FactorVerdict.fail(problem, factor_id=factor.id)
        raw = decode_signature(submission.signature)
        key = cert.public_key()
        if (
            raw is None
            or not isinstance(
                key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
            )
            or not verify_signature(key, raw, signed_message(nonce))
        ):
            return FactorVerdict.fail("bad_signature", factor_id=factor.id)
        factor.last_used_at = ctx.clock.now()
        return FactorVerdict(True, "ok", self.categories, factor.id)
