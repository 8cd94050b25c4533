"""Certificate factor (憑證, A9.1.2): the customer's X.509 certificate signs the nonce.

The certificate registered at enrolment must chain to one of the configured CA
certificates (``ca_cert_files``, the trust anchors), directly or through the
configured intermediate CAs (``intermediate_cert_files``); the path is validated by
``cryptography``'s RFC 5280 verifier (signatures, validity dates, CA flags, path
length). When CRLs are configured (``crl_files``/``crl_file``), the certificate's
issuer must have one, signed by it and current, that does not list it; every
intermediate is checked against its own issuer's CRL when that one is configured.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from pydantic import Field
from sqlalchemy import select

from brokerguard.auth.bodies import FactorOut, FactorSubmissionBody, StrictRequest
from brokerguard.auth.challenges import consume_challenge, decode_signature, signed_message
from brokerguard.auth.factors import (
    Category,
    EnrolmentCall,
    EnrolmentStep,
    Factor,
    FactorContext,
    FactorVerdict,
)
from brokerguard.auth.keysig import verify_signature
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.textpolicy import MultilineText

if TYPE_CHECKING:
    from brokerguard.auth.events import RequestMeta
    from brokerguard.auth.lifecycle import CredentialService
    from brokerguard.auth.models import EtradeCustomer

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


def load_certificates(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for path in paths:
        found.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return found


def load_crl(path: Path) -> x509.CertificateRevocationList:
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


#: issuing CAs must carry basicConstraints; the path length, validity and signature
#: checks are RFC 5280's. Nothing else is demanded of a CA or a customer certificate
#: (Taiwan's customer certificates are not Web PKI server certificates).
_CA_POLICY = ExtensionPolicy.permit_all().require_present(
    x509.BasicConstraints, Criticality.AGNOSTIC, None
)


@dataclass(frozen=True)
class CertificateTrust:
    """The configured trust: anchors (root or issuing CAs), the intermediates that may
    link a customer certificate to them, and the CAs' revocation lists."""

    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @classmethod
    def from_settings(cls, auth: AuthSettings) -> CertificateTrust:
        crl_paths = (*auth.crl_files, *((auth.crl_file,) if auth.crl_file else ()))
        return cls(
            anchors=tuple(load_certificates(auth.ca_cert_files)),
            intermediates=tuple(load_certificates(auth.intermediate_cert_files)),
            crls=tuple(load_crl(path) for path in crl_paths),
        )

    def chain(self, cert: x509.Certificate, now: datetime) -> list[x509.Certificate] | None:
        """The validated path from ``cert`` to an anchor (RFC 5280), or None."""
        if not self.anchors:
            return None
        verifier = (
            PolicyBuilder()
            .store(Store(list(self.anchors)))
            .time(now)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=ExtensionPolicy.permit_all())
            .build_client_verifier()
        )
        try:
            return list(verifier.verify(cert, list(self.intermediates)).chain)
        except VerificationError:
            return None

    def problem(self, cert: x509.Certificate, now: datetime) -> str | None:
        """Why ``cert`` is not acceptable now, or None when it is."""
        if not isinstance(cert.public_key(), SUPPORTED_KEYS):
            return "unsupported_key"
        if now < cert.not_valid_before_utc or now > cert.not_valid_after_utc:
            return "expired_certificate"
        chain = self.chain(cert, now)
        if chain is None:
            return "untrusted_certificate"
        if not self.crls:
            return None
        for depth, (subject, issuer) in enumerate(pairwise(chain)):
            crl = self._crl_of(issuer)
            if crl is None:
                if depth == 0:
                    return "crl_invalid"  # CRLs are configured: the issuer's must be there
                continue
            next_update = crl.next_update_utc
            if next_update is not None and next_update < now:
                return "crl_stale"
            if crl.get_revoked_certificate_by_serial_number(subject.serial_number) is not None:
                return "revoked_certificate"
        return None

    def _crl_of(self, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        """The newest configured CRL that ``issuer`` really signed."""
        signed = [
            crl
            for crl in self.crls
            if crl.issuer == issuer.subject and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        ]
        return max(signed, key=lambda crl: crl.last_update_utc, default=None)


SUPPORTED_KEYS = (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey)


class CertificateSubmission(FactorSubmissionBody):
    type: Literal["certificate"]
    challenge_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=2048)
    fingerprint: str | None = Field(default=None, max_length=128)


class CertificateEnrolRequest(StrictRequest):
    certificate: MultilineText = Field(min_length=1, max_length=16384)


class CertificateRenewRequest(StrictRequest):
    factor_id: str = Field(min_length=1, max_length=36)
    certificate: MultilineText = Field(min_length=1, max_length=16384)


def enroll(
    creds: CredentialService, customer: EtradeCustomer, meta: RequestMeta, *, certificate_pem: str
) -> EnrolledFactor:
    """Register the customer's certificate: it must chain to a configured CA, unrevoked."""
    cert = parse_certificate(certificate_pem)
    problem = CertificateTrust.from_settings(creds.auth).problem(cert, creds.clock.now())
    if problem is not None:
        raise ValidationError(f"certificate refused: {problem}", field="certificate", code=problem)
    digest = fingerprint(cert)
    if creds.session.scalar(
        select(EnrolledFactor.id).where(
            EnrolledFactor.fingerprint == digest, EnrolledFactor.status == "active"
        )
    ):
        raise ConflictError("certificate already registered", field="certificate")
    now = creds.clock.now()
    factor = EnrolledFactor(
        customer_id=customer.id,
        type="certificate",
        status="active",
        label=cert.subject.rfc4514_string()[:128],
        certificate_pem=certificate_pem,
        fingerprint=digest,
        algorithm=type(cert.public_key()).__name__[:32],
        created_at=now,
        delivered_at=now,
        expires_at=cert.not_valid_after_utc,
    )
    creds.session.add(factor)
    creds.session.flush()
    creds.record_step(customer, "enroll_certificate", meta, factor)
    creds.record_step(customer, "issue", meta, factor)
    return factor


def renew(
    creds: CredentialService,
    customer: EtradeCustomer,
    factor_id: str,
    certificate_pem: str,
    meta: RequestMeta,
) -> EnrolledFactor:
    """Replace a registered certificate with its renewal (the old one is revoked)."""
    old = creds.owned_factor(customer, factor_id, "certificate")
    new = enroll(creds, customer, meta, certificate_pem=certificate_pem)
    old.status = "revoked"
    old.revoked_at = creds.clock.now()
    creds.record_step(customer, "renew", meta, new, note=f"replaces {old.id}")
    return new


def _enrol_call(call: EnrolmentCall, body: CertificateEnrolRequest) -> FactorOut:
    factor = enroll(call.credentials, call.customer, call.meta, certificate_pem=body.certificate)
    return FactorOut.model_validate(factor, from_attributes=True)


def _renew_call(call: EnrolmentCall, body: CertificateRenewRequest) -> FactorOut:
    factor = renew(call.credentials, call.customer, body.factor_id, body.certificate, call.meta)
    return FactorOut.model_validate(factor, from_attributes=True)


class CertificateFactor(Factor):
    type: ClassVar[str] = "certificate"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.possession})
    submission = CertificateSubmission
    needs_challenge = True
    enrolment: ClassVar[tuple[EnrolmentStep, ...]] = (
        EnrolmentStep(
            "certificate",
            "enroll_certificate",
            "Register the customer's X.509 certificate (PEM).",
            _enrol_call,
            CertificateEnrolRequest,
            FactorOut,
        ),
        EnrolmentStep(
            "certificate/renew",
            "renew_certificate",
            "Replace a registered certificate with its renewal (the old one is revoked).",
            _renew_call,
            CertificateRenewRequest,
            FactorOut,
        ),
    )

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
        problem = CertificateTrust.from_settings(ctx.settings).problem(cert, ctx.clock.now())
        if problem is not None:
            return FactorVerdict.fail(problem, factor_id=factor.id)
        raw = decode_signature(submission.signature)
        key = cert.public_key()
        if (
            raw is None
            or not isinstance(key, SUPPORTED_KEYS)
            or not verify_signature(key, raw, signed_message(nonce))
        ):
            return FactorVerdict.fail("bad_signature", factor_id=factor.id)
        factor.last_used_at = ctx.clock.now()
        return FactorVerdict(True, "ok", self.categories, factor.id)
