"""The monitor's DER walk reads the names ``cryptography`` reads, and nothing else.

The walk (``ct/certs.py``) is checked against ``cryptography`` itself on
certificates with every common extension, mixed GeneralNames (a directoryName
holding a CN must not count), critical SANs, several RDNs and string types, and
on the real CA certificates of the ``certifi`` bundle; damaged DER gives a typed
error, never another exception; a page of names normalised at once equals the
names normalised one by one.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerguard.phishing.ct.certs import (
    MAX_NAMES,
    _normalised_name,
    cert_facts,
    logged_names,
    normalised_names,
    tbs_names,
    wrap_tbs,
)
from brokerguard.phishing.ct.tls import (
    PRECERT_ENTRY,
    X509_ENTRY,
    CTFormatError,
    LogLeaf,
    encode_leaf,
)

_KEY = ec.generate_private_key(ec.SECP256R1())
_NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
_DOMAIN_VALIDATED = x509.ObjectIdentifier("2.23.140.1.2.1")


def _certificate(
    subject: x509.Name,
    general_names: Sequence[x509.GeneralName] | None,
    *,
    critical: bool = False,
) -> x509.Certificate:
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Walk Test CA")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(_KEY.public_key())
        .serial_number(2**150 + 7)  # a long serial: two-byte lengths around it
        .not_valid_before(_NOW)
        .not_valid_after(_NOW + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(_KEY.public_key()), False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier("http://ocsp.example.net"),
                    )
                ]
            ),
            False,
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.1"), None)]
            ),
            False,
        )
    )
    if general_names is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names), critical)
    return builder.sign(_KEY, hashes.SHA256())


def _expected(cert: x509.Certificate) -> list[str]:
    """SAN dNSNames then subject CNs, as ``cryptography`` reads them."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = list(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = []
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names + [str(a.value) for a in cns]


def _leaves(cert: x509.Certificate) -> list[LogLeaf]:
    der = cert.public_bytes(serialization.Encoding.DER)
    return [
        LogLeaf(1, X509_ENTRY, der),
        LogLeaf(1, PRECERT_ENTRY, cert.tbs_certificate_bytes, b"\x11" * 32),
    ]


CN = NameOID.COMMON_NAME
CASES: dict[str, tuple[x509.Name, Sequence[x509.GeneralName] | None, bool]] = {
    "plain": (x509.Name([x509.NameAttribute(CN, "www.example.com")]),
              [x509.DNSName("www.example.com"), x509.DNSName("*.Example.COM")], False),
    "critical SAN, no CN": (x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Org")]),
                            [x509.DNSName("only-san.example")], True),
    "mixed general names": (
        x509.Name([x509.NameAttribute(CN, "mixed.example")]),
        [x509.RFC822Name("a@b.example"), x509.DNSName("dns.example"),
         x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
         x509.UniformResourceIdentifier("https://uri.example/"),
         # a directoryName's CN is not the certificate's subject: it must not count
         x509.DirectoryName(x509.Name([x509.NameAttribute(CN, "dirname.example")])),
         x509.DNSName("second.example")], False),
    "several RDNs and CNs": (
        x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                   x509.NameAttribute(NameOID.ORGANIZATION_NAME, "元大證券"),
                   x509.NameAttribute(CN, "first.example"),
                   x509.NameAttribute(CN, "second-cn.example")]),
        [x509.DNSName("a.example")], False),
    "multi-valued RDN": (
        x509.Name([x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Org"),
            x509.NameAttribute(CN, "multi.example")])]), None, False),
    "printable and UTF-8 CN": (
        x509.Name([x509.NameAttribute(CN, "printable.example", _ASN1Type.PrintableString),
                   x509.NameAttribute(CN, "元大-登入.example")]), [], False),
    "many names": (x509.Name([x509.NameAttribute(CN, "h0.many.example")]),
                   [x509.DNSName(f"h{i}.many.example") for i in range(300)], False),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_walk_reads_what_cryptography_reads(case: str) -> None:
    subject, general_names, critical = CASES[case]
    cert = _certificate(subject, general_names, critical=critical)
    expected = _expected(cert)
    assert "dirname.example" not in expected
    assert tbs_names(cert.tbs_certificate_bytes) == expected
    for leaf in _leaves(cert):
        assert logged_names(encode_leaf(leaf)) == expected
        facts = cert_facts(leaf)
        assert list(facts.names) == list(
            dict.fromkeys(n for n in map(_normalised_name, expected) if n)
        )
        assert facts.issuer == "CN=Walk Test CA"
    # the precert envelope parses to the same TBSCertificate
    wrapped = x509.load_der_x509_certificate(wrap_tbs(cert.tbs_certificate_bytes))
    assert wrapped.tbs_certificate_bytes == cert.tbs_certificate_bytes


@pytest.mark.filterwarnings("ignore:Parsed a serial number:UserWarning")
def test_walk_agrees_with_cryptography_on_real_ca_certificates() -> None:
    bundle = x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())
    assert len(bundle) > 100
    for cert in bundle:
        expected = _expected(cert)
        der = cert.public_bytes(serialization.Encoding.DER)
        assert logged_names(encode_leaf(LogLeaf(1, X509_ENTRY, der))) == expected, cert.subject
        assert tbs_names(cert.tbs_certificate_bytes) == expected


def test_a_certificate_with_too_many_distinct_names_is_an_entry_error() -> None:
    many = [x509.DNSName(f"h{i}.example.com") for i in range(MAX_NAMES + 1)]
    cert = _certificate(x509.Name([]), many)
    for leaf in _leaves(cert):
        with pytest.raises(CTFormatError, match="more than"):
            logged_names(encode_leaf(leaf))
    # the same host written 1,200 times (and in upper case) is one name
    repeated = [x509.DNSName("Same.Example.com")] * (MAX_NAMES + 200)
    cert = _certificate(x509.Name([]), repeated)
    assert len(logged_names(encode_leaf(_leaves(cert)[0]))) == MAX_NAMES + 200


_BASE = _certificate(CASES["mixed general names"][0], CASES["mixed general names"][1])
_DER = _BASE.public_bytes(serialization.Encoding.DER)
_TBS = _BASE.tbs_certificate_bytes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    precert=st.booleans(),
    cut=st.integers(min_value=0, max_value=len(_DER)),
    flips=st.lists(st.tuples(st.integers(0, len(_DER) - 1), st.integers(1, 255)), max_size=4),
)
def test_damaged_der_is_a_typed_error_or_names(
    precert: bool, cut: int, flips: list[tuple[int, int]]
) -> None:
    body = bytearray(_TBS if precert else _DER)
    for position, mask in flips:
        if position < len(body):
            body[position] ^= mask
    body = body[: min(cut, len(body))] if cut else body
    leaf = LogLeaf(1, PRECERT_ENTRY if precert else X509_ENTRY, bytes(body), b"\x11" * 32)
    try:
        names = logged_names(encode_leaf(leaf))
    except CTFormatError as exc:
        assert "not valid DER" in exc.message or "leaf_input" in exc.message
        return
    assert all(isinstance(name, str) for name in names)


def test_an_undefined_certificate_version_is_an_entry_error() -> None:
    # [0] EXPLICIT INTEGER 2 (v3) made 3: cryptography raises InvalidVersion, no ValueError
    version = bytes.fromhex("a003020102")
    assert _TBS.count(version) == 1 and _DER.count(version) == 1
    bad_version = bytes.fromhex("a003020103")
    for entry_type, body in ((PRECERT_ENTRY, _TBS), (X509_ENTRY, _DER)):
        leaf = LogLeaf(1, entry_type, body.replace(version, bad_version), b"\x11" * 32)
        with pytest.raises(CTFormatError, match="not valid DER"):
            logged_names(encode_leaf(leaf))


_NAME = st.one_of(
    st.sampled_from(["www.example.com", "*.a.example", "*.*.b.example", "A.Example.COM", "x" * 260,
                     "", "*.", "c.example.", "tab\tname", " sp.example ", "元大.tw", "new\nline",
                     "\x1cfs.example", "dash-.example", "*"]),
    st.text(alphabet="abcXYZ.*- \t\n", max_size=12),
)  # fmt: skip


@given(st.lists(_NAME, max_size=30))
def test_page_normalisation_equals_name_by_name(found: list[str]) -> None:
    assert normalised_names(found) == [_normalised_name(name) for name in found]
