"""A test PKI and an SNS signer, for tests that need messages signed by keys we hold.

The committed samples were signed with a key that was thrown away; these helpers make fresh
ones with `cryptography` (trustme's leaves mark subjectAltName critical, which the web PKI
policy the verifier applies refuses), and sign envelopes by the AWS rules.
"""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from bouncewarden.sources.sns import parse_envelope, string_to_sign

__all__ = [
    "DEFAULT_CERT_URL",
    "Authority",
    "CertificateServer",
    "Signer",
    "issue_certificate",
    "make_ca",
    "make_signer",
    "pem",
    "serve_certificates",
]

DEFAULT_CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"


@dataclass
class Signer:
    """A signing key with its certificate chain, as SNS would hold it."""

    key: rsa.RSAPrivateKey
    chain_pem: bytes

    def sign(self, fields: dict[str, Any], version: str = "1", url: str = DEFAULT_CERT_URL) -> bytes:
        envelope = dict(fields, SignatureVersion=version, SigningCertURL=url, Signature="")
        digest = hashes.SHA256() if version == "2" else hashes.SHA1()
        data = string_to_sign(parse_envelope(json.dumps(envelope)))
        envelope["Signature"] = base64.b64encode(self.key.sign(data, padding.PKCS1v15(), digest)).decode()
        return json.dumps(envelope).encode()


@dataclass
class Authority:
    """A test certificate authority made with `cryptography` (trustme's leaves mark SAN critical,
    which the web PKI policy we verify with refuses)."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    is_intermediate: bool = False


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue_certificate(
    subject: str,
    issuer: Authority | None,
    *,
    is_ca: bool,
    not_before: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    not_after: datetime = datetime(2034, 1, 1, tzinfo=UTC),
    ca_issuers_url: str | None = None,
) -> Authority:
    """A certificate for `subject` signed by `issuer` (self-signed without one)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
        )
    )
    if not is_ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    if ca_issuers_url is not None:
        where = x509.UniformResourceIdentifier(ca_issuers_url)
        access = x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, where)
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return Authority(
        key, builder.sign(signing_key, hashes.SHA256()), is_intermediate=is_ca and issuer is not None
    )


def make_ca(parent: Authority | None = None) -> Authority:
    return issue_certificate(
        "bouncewarden test intermediate" if parent else "bouncewarden test root", parent, is_ca=True
    )


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


def make_signer(
    ca: Authority,
    name: str = "sns.amazonaws.com",
    *,
    serve_chain: bool = True,
    ca_issuers_url: str | None = None,
    **dates: datetime,
) -> Signer:
    """A leaf for `name` issued by `ca`; it serves its intermediate too unless `serve_chain` is off."""
    leaf = issue_certificate(name, ca, is_ca=False, ca_issuers_url=ca_issuers_url, **dates)
    served = (leaf.cert, ca.cert) if ca.is_intermediate and serve_chain else (leaf.cert,)
    return Signer(leaf.key, pem(*served))


@dataclass
class CertificateServer:
    """A local HTTPS server whose TLS certificate comes from `tls_ca`."""

    base: str
    tls_ca: trustme.CA
    requests: list[str]
    served: dict[str, bytes]


@contextmanager
def serve_certificates() -> Iterator[CertificateServer]:
    """Serve `served` over HTTPS on 127.0.0.1; a few fixed paths misbehave on purpose:
    `*-bbb2.pem` redirects, `*-ccc3.pem` and `*-ddd4.pem` are 64 KiB (without and with a
    Content-Length), `*-eee5.pem` answers 503, anything else 404."""
    tls_ca = trustme.CA()
    requests: list[str] = []
    served = {"/SimpleNotificationService-aaa1.pem": make_signer(make_ca()).chain_pem}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path in served:
                self._answer(200, served[self.path], length=True)
            elif self.path.endswith("-bbb2.pem"):
                self.send_response(302)
                self.send_header("Location", "/SimpleNotificationService-aaa1.pem")
                self.end_headers()
            elif self.path.endswith("-ccc3.pem"):
                self._answer(200, b"A" * (64 * 1024), length=False)
            elif self.path.endswith("-ddd4.pem"):
                self._answer(200, b"B" * (64 * 1024), length=True)
            elif self.path.endswith("-eee5.pem"):
                self._answer(503, b"busy", length=True)
            else:
                self._answer(404, b"no", length=True)

        def _answer(self, status: int, body: bytes, *, length: bool) -> None:
            self.send_response(status)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield CertificateServer(f"https://127.0.0.1:{server.server_address[1]}", tls_ca, requests, served)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
