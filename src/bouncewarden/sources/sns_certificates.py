"""SNS signing certificates: which URLs we fetch, how, and when a certificate is trusted.

A `SigningCertURL` must be https and fully match `sns.cert_url_pattern` before anything is
fetched. The download has a short timeout, a size cap and follows no redirects; TLS is checked
against the system store plus `sns.ca_bundle`. The certificate itself must be valid now, name
`sns.amazonaws.com` and chain to a root in the same trust store (cryptography's web PKI
verifier). SNS serves only the leaf (robbiet480/go.sns #8 ran into exactly this), so the
missing Amazon intermediate is fetched once from the leaf's caIssuers URL, on amazontrust.com
only. Pinned certificates (`sns.pinned_certs`, URL -> local PEM) are never fetched. Verified
certificates are cached by URL and re-checked against the clock on every use.

A failed fetch is remembered for `FAILURE_CACHE_SECONDS`: deliveries naming that URL are
refused at once instead of each waiting out the timeout again. At most
`MAX_CONCURRENT_FETCHES` downloads run at a time; a delivery that cannot get a slot within a
second is answered "retry later" (`CertificateUnavailable`), so hanging certificate servers
cannot tie up every worker thread.
"""

from __future__ import annotations

import re
import ssl
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.verification import PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as _ChainError

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import SnsSettings
from bouncewarden.errors import UntrustedCertificateURL, VerificationError

__all__ = [
    "DEFAULT_ISSUER_URL_PATTERN",
    "CertificateFetcher",
    "CertificateStore",
    "CertificateUnavailable",
    "HttpsCertificateFetcher",
    "UntrustedCertificate",
    "check_certificate_url",
]

SNS_CERTIFICATE_NAME = "sns.amazonaws.com"
FETCH_TIMEOUT_SECONDS = 5.0
MAX_CERTIFICATE_BYTES = 16 * 1024
FAILURE_CACHE_SECONDS = 60.0
MAX_CONCURRENT_FETCHES = 4
_FETCH_SLOT_WAIT_SECONDS = 1.0
# Where Amazon's CAs publish their certificates (the caIssuers URL in a leaf's Authority
# Information Access extension), e.g. http://crt.r2m02.amazontrust.com/r2m02.cer.
DEFAULT_ISSUER_URL_PATTERN = r"https?://crt\.[a-z0-9]+\.amazontrust\.com/[a-z0-9]+\.cer"


class UntrustedCertificate(VerificationError):
    """The signing certificate does not chain to a trusted root, is out of date or misnamed."""


class CertificateUnavailable(VerificationError):
    """The signing certificate could not be fetched (network, timeout, server error): retryable."""


class _NoFetchSlot(CertificateUnavailable):
    """Every fetch slot is busy: retryable, and no fault of the URL (so not remembered)."""


def check_certificate_url(url: str, pattern: str | re.Pattern[str]) -> None:
    """Refuse a SigningCertURL that is not https or does not fully match the trusted pattern."""
    if not url.startswith("https://"):
        raise UntrustedCertificateURL(f"SigningCertURL {url!r} is not https")
    if re.fullmatch(pattern, url) is None:
        raise UntrustedCertificateURL(f"SigningCertURL {url!r} does not match the trusted pattern")


CertificateFetcher = Callable[[str], bytes]
"""Given a SigningCertURL that passed the pattern, return the PEM bytes found there."""


def _is_tls_refusal(err: BaseException) -> bool:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class HttpsCertificateFetcher:
    """Fetches certificates over HTTPS: short timeout, size cap, no redirects, checked TLS."""

    def __init__(
        self,
        ca_bundle: Path | None = None,
        *,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        max_bytes: int = MAX_CERTIFICATE_BYTES,
    ) -> None:
        self._context = ssl.create_default_context()
        if ca_bundle is not None:
            self._context.load_verify_locations(cafile=str(ca_bundle))
        self._timeout = timeout
        self._max_bytes = max_bytes

    def __call__(self, url: str) -> bytes:
        """The body at `url`, or a refusal saying why not."""
        try:
            with (
                httpx.Client(verify=self._context, follow_redirects=False, timeout=self._timeout) as client,
                client.stream("GET", url) as response,
            ):
                return self._read(url, response)
        except httpx.HTTPError as err:
            if _is_tls_refusal(err):
                raise UntrustedCertificate(f"TLS certificate of {url} is not trusted: {err}") from err
            raise CertificateUnavailable(f"cannot fetch {url}: {err!r}") from err

    def _read(self, url: str, response: httpx.Response) -> bytes:
        if response.is_redirect:
            where = response.headers.get("location", "?")
            raise UntrustedCertificate(f"{url} redirects to {where}; redirects are not followed")
        if response.status_code != 200:
            error = CertificateUnavailable if response.status_code >= 500 else UntrustedCertificate
            raise error(f"{url} answered HTTP {response.status_code}")
        declared = response.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise UntrustedCertificate(f"{url} declares {declared} bytes; the limit is {self._max_bytes}")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self._max_bytes:
                raise UntrustedCertificate(f"{url} sent more than {self._max_bytes} bytes")
        return bytes(body)


def _load_pem_certificates(data: bytes, where: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle; blocks cryptography cannot read are skipped."""
    found: list[x509.Certificate] = []
    with warnings.catch_warnings():
        # Some system bundles hold old roots with non-RFC 5280 serials: skip, do not warn.
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        for block in re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S):
            try:
                found.append(x509.load_pem_x509_certificate(block))
            except (ValueError, CryptographyDeprecationWarning):
                continue
    if not found and where:
        raise UntrustedCertificate(f"{where} holds no readable PEM certificate")
    return found


def _system_trust_roots() -> list[x509.Certificate]:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return _load_pem_certificates(Path(candidate).read_bytes(), "")
    return []


def _ca_issuer_urls(certificate: x509.Certificate) -> list[str]:
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        str(description.access_location.value)
        for description in access
        if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(description.access_location, x509.UniformResourceIdentifier)
    ]


def _load_any_certificate(data: bytes, where: str) -> x509.Certificate:
    """One certificate, DER (as CAs publish them) or PEM."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return _load_pem_certificates(data, where)[0]
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError as err:
        raise UntrustedCertificate(f"{where} is not a certificate: {err}") from err


@dataclass(frozen=True, slots=True)
class _CachedCertificate:
    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]


class CertificateStore:
    """Signing certificates by URL: pinned or fetched, checked against trusted roots, cached."""

    def __init__(
        self,
        settings: SnsSettings,
        *,
        fetcher: CertificateFetcher | None = None,
        clock: Clock = system_clock,
        include_system_roots: bool = True,
        issuer_url_pattern: str = DEFAULT_ISSUER_URL_PATTERN,
    ) -> None:
        self._pattern = re.compile(settings.cert_url_pattern)
        self._issuer_pattern = re.compile(issuer_url_pattern)
        self._pinned = dict(settings.pinned_certs)
        self._ca_bundle = settings.ca_bundle
        self._fetcher = fetcher or HttpsCertificateFetcher(settings.ca_bundle)
        self._clock = clock
        self._include_system_roots = include_system_roots
        self._roots: Store | None = None
        self._root_subjects: frozenset[x509.Name] = frozenset()
        self._cache: dict[str, _CachedCertificate] = {}
        self._failures: dict[str, tuple[datetime, type[VerificationError], str]] = {}
        self._fetch_slots = threading.BoundedSemaphore(MAX_CONCURRENT_FETCHES)
        self._lock = threading.Lock()

    def public_key_for(self, url: str) -> rsa.RSAPublicKey:
        """The verified RSA key of the certificate at `url` (checked for the pattern first)."""
        check_certificate_url(url, self._pattern)
        with self._lock:
            cached = self._cache.get(url)
        if cached is None:
            cached = self._load_once(url)
        self._check_chain(url, cached)
        with self._lock:
            self._cache[url] = cached
        key = cached.leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise UntrustedCertificate(f"certificate at {url} has a {type(key).__name__}, not an RSA key")
        return key

    def _load_once(self, url: str) -> _CachedCertificate:
        """`_load`, unless it failed within `FAILURE_CACHE_SECONDS`: then that failure again."""
        now = self._clock()
        with self._lock:
            failed = self._failures.get(url)
            if failed is not None and now < failed[0]:
                raise failed[1](
                    f"{failed[2]} (failed at most {FAILURE_CACHE_SECONDS:.0f} s ago; not retried yet)"
                )
            self._failures.pop(url, None)
        try:
            return self._load(url)
        except _NoFetchSlot:
            raise
        except VerificationError as err:
            with self._lock:
                self._failures[url] = (now + timedelta(seconds=FAILURE_CACHE_SECONDS), type(err), str(err))
            raise

    def _fetch(self, url: str) -> bytes:
        """The fetcher's answer, with at most `MAX_CONCURRENT_FETCHES` running at a time."""
        if not self._fetch_slots.acquire(timeout=_FETCH_SLOT_WAIT_SECONDS):
            raise _NoFetchSlot(f"too many certificate fetches in progress; not fetching {url} now")
        try:
            return self._fetcher(url)
        finally:
            self._fetch_slots.release()

    def _load(self, url: str) -> _CachedCertificate:
        pinned = self._pinned.get(url)
        data = pinned.read_bytes() if pinned is not None else self._fetch(url)
        leaf, *intermediates = _load_pem_certificates(data, f"certificate at {url}")
        self._trust_roots()
        if not intermediates and pinned is None and leaf.issuer not in self._root_subjects:
            intermediates = self._fetch_issuer(leaf)
        return _CachedCertificate(leaf, tuple(intermediates))

    def _fetch_issuer(self, leaf: x509.Certificate) -> list[x509.Certificate]:
        """SNS serves the leaf alone; its issuer comes from the leaf's caIssuers URL (RFC 5280
        4.2.2.1), over plain HTTP by convention: the chain check, not the transport, is what
        makes it trustworthy. Only URLs matching the issuer pattern are fetched."""
        for issuer_url in _ca_issuer_urls(leaf):
            if self._issuer_pattern.fullmatch(issuer_url) is not None:
                return [_load_any_certificate(self._fetch(issuer_url), issuer_url)]
        return []

    def _trust_roots(self) -> Store:
        with self._lock:
            if self._roots is None:
                roots = _system_trust_roots() if self._include_system_roots else []
                if self._ca_bundle is not None:
                    roots += _load_pem_certificates(
                        self._ca_bundle.read_bytes(), f"CA bundle {self._ca_bundle}"
                    )
                if not roots:
                    raise UntrustedCertificate(
                        "no trusted root certificates (system store and sns.ca_bundle)"
                    )
                self._roots = Store(roots)
                self._root_subjects = frozenset(root.subject for root in roots)
            return self._roots

    def _check_chain(self, url: str, cached: _CachedCertificate) -> None:
        now = self._clock()
        builder = PolicyBuilder().store(self._trust_roots()).time(now)
        verifier = builder.build_server_verifier(x509.DNSName(SNS_CERTIFICATE_NAME))
        try:
            verifier.verify(cached.leaf, list(cached.intermediates))
        except _ChainError as err:
            issuer = cached.leaf.issuer.rfc4514_string()
            raise UntrustedCertificate(
                f"certificate at {url} (issuer {issuer}) is not a valid {SNS_CERTIFICATE_NAME} certificate "
                f"chaining to a trusted root at {now.isoformat()}: {err}"
            ) from err
