"""A throw-away PKI for the tests: a CA, customer certificates, a CRL, device keys."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID


def name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


@dataclass
class Issued:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.key.sign(message, ec.ECDSA(hashes.SHA256()))).decode()


class TestCA:
    __test__ = False

    def __init__(
        self, common: str, now: datetime, *, parent: TestCA | None = None, path_length: int = 0
    ) -> None:
        """A root CA, or with ``parent`` an intermediate CA issued by it."""
        self.now = now
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = name(common)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(parent.name if parent else self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=365))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .sign(parent.key if parent else self.key, hashes.SHA256())
        )

    def subordinate(self, common: str) -> TestCA:
        return TestCA(common, self.now, parent=self)

    def write(self, directory: Path) -> Path:
        path = directory / f"ca-{self.cert.serial_number}.pem"
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path

    def issue(
        self, common: str, *, not_before: datetime | None = None, not_after: datetime | None = None
    ) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - timedelta(days=1))
            .not_valid_after(not_after or self.now + timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        return Issued(key, cert)

    def crl(
        self,
        revoked: list[x509.Certificate],
        directory: Path,
        *,
        next_update: datetime | None = None,
    ) -> Path:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(self.now - timedelta(hours=1))
            .next_update(next_update or self.now + timedelta(days=7))
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(self.now - timedelta(minutes=5))
                .build()
            )
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"ca-{self.cert.serial_number}.crl"
        path.write_bytes(
            builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        )
        return path


def ed25519_device() -> tuple[ed25519.Ed25519PrivateKey, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, pem.decode()


def p256_device() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, pem.decode()


def sign_with(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey, message: bytes) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(message)
    else:
        raw = key.sign(message, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(raw).decode()
