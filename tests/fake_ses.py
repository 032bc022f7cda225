"""A small SES stand-in on 127.0.0.1 for what moto lacks, passing everything else on to moto.

moto 5.2.5 answers 404 to the SESv2 suppression-list API, 500 to
`SetIdentityHeadersInNotificationsEnabled` and `UpdateConfigurationSetEventDestination`, leaves
the topics out of `GetIdentityNotificationAttributes`, and always reports zero bounces in
`GetSendStatistics` (shared FACTS.md, section 5). This server speaks those operations' documented
wire formats (SESv2 REST/JSON; SES v1 Query with XML answers), keeps their state, and forwards
every other request unchanged to the moto server, so one endpoint URL serves real boto3 clients
for SNS, SQS and SES alike.

Fixture: `ses_fake` (a `FakeSes`, its `.endpoint` is the URL), built on `moto_endpoint`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

import httpx
import pytest

from http_thread import serving

__all__ = ["FakeSes", "ses_fake"]

_SUPPRESSION_PATH = "/v2/email/suppression/addresses"
_NS = "http://ses.amazonaws.com/doc/2010-12-01/"


@dataclass
class Suppressed:
    email: str
    reason: str
    updated: datetime


@dataclass
class FakeSes:
    """State of the fake, readable and settable by tests."""

    upstream: str
    endpoint: str = ""
    suppressed: dict[str, Suppressed] = field(default_factory=dict)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)
    headers: dict[str, dict[str, bool]] = field(default_factory=dict)
    configuration_sets: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    send_data_points: list[dict[str, object]] = field(default_factory=list)
    quota: tuple[float, float, float] = (50000.0, 14.0, 0.0)
    throttle_next: int = 0
    calls: list[str] = field(default_factory=list)
    page_size_cap: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def suppress(self, email: str, reason: str, updated: datetime | None = None) -> None:
        self.suppressed[email] = Suppressed(email, reason, updated or datetime.now(UTC))


def _xml(action: str, result: str) -> bytes:
    return (
        f'<{action}Response xmlns="{_NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    ).encode()


def _xml_error(code: str, message: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


def _members(form: dict[str, str], prefix: str) -> list[str]:
    found = []
    index = 1
    while f"{prefix}.member.{index}" in form:
        found.append(form[f"{prefix}.member.{index}"])
        index += 1
    return found


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, document: object, error_type: str | None = None) -> None:
        extra = {"x-amzn-ErrorType": error_type} if error_type else None
        self._send(status, json.dumps(document).encode(), "application/json", extra)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        body = self._body()
        parts = urlsplit(self.path)
        fake = self.server.fake
        if parts.path.startswith(_SUPPRESSION_PATH):
            with fake.lock:
                self._suppression(method, parts.path, parse_qs(parts.query), body)
            return
        if method == "POST" and "form-urlencoded" in (self.headers.get("Content-Type") or ""):
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            handler = getattr(self, f"_v1_{form.get('Action', '')}", None)
            if handler is not None:
                with fake.lock:
                    fake.calls.append(form["Action"])
                    handler(form)
                return
        self._forward(method, body)

    def _forward(self, method: str, body: bytes) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        response = httpx.request(method, self.server.fake.upstream + self.path, headers=headers, content=body)
        skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
        self.send_response(response.status_code)
        for key, value in response.headers.items():
            if key.lower() not in skip:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    # --- SESv2 account-level suppression list (REST/JSON) -----------------------------------

    def _suppression(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        fake = self.server.fake
        fake.calls.append(f"{method} {path}")
        if fake.throttle_next > 0:
            fake.throttle_next -= 1
            self._json(429, {"message": "Too many requests"}, "TooManyRequestsException")
            return
        address = unquote(path[len(_SUPPRESSION_PATH) :].lstrip("/"))
        if method == "GET" and not address:
            self._list(query)
        elif method == "PUT" and not address:
            request = json.loads(body or b"{}")
            if request.get("Reason") not in ("BOUNCE", "COMPLAINT") or "@" not in request.get(
                "EmailAddress", ""
            ):
                self._json(400, {"message": "Invalid EmailAddress or Reason"}, "BadRequestException")
                return
            fake.suppress(request["EmailAddress"], request["Reason"])
            self._json(200, {})
        elif method == "GET" and address in fake.suppressed:
            entry = fake.suppressed[address]
            found = {
                "EmailAddress": entry.email,
                "Reason": entry.reason,
                "LastUpdateTime": entry.updated.timestamp(),
            }
            self._json(200, {"SuppressedDestination": found})
        elif method == "DELETE" and address in fake.suppressed:
            del fake.suppressed[address]
            self._json(200, {})
        else:
            self._json(404, {"message": f"{address} is not on the suppression list"}, "NotFoundException")

    def _list(self, query: dict[str, list[str]]) -> None:
        fake = self.server.fake
        reasons = set(query.get("Reason", [])) or {"BOUNCE", "COMPLAINT"}
        entries = sorted((e for e in fake.suppressed.values() if e.reason in reasons), key=lambda e: e.email)
        start = int(query.get("NextToken", ["0"])[0])
        size = min(int(query.get("PageSize", ["1000"])[0]), fake.page_size_cap)
        page = entries[start : start + size]
        document: dict[str, object] = {
            "SuppressedDestinationSummaries": [
                {"EmailAddress": e.email, "Reason": e.reason, "LastUpdateTime": e.updated.timestamp()}
                for e in page
            ]
        }
        if start + size < len(entries):
            document["NextToken"] = str(start + size)
        self._json(200, document)

    # --- SES v1 (Query API, XML answers) ----------------------------------------------------

    def _reply(self, action: str, result: str = "") -> None:
        self._send(200, _xml(action, result), "text/xml")

    def _v1_SetIdentityNotificationTopic(self, form: dict[str, str]) -> None:
        topics = self.server.fake.topics.setdefault(form["Identity"], {})
        if form.get("SnsTopic"):
            topics[form["NotificationType"]] = form["SnsTopic"]
        else:
            topics.pop(form["NotificationType"], None)
        self._reply("SetIdentityNotificationTopic")

    def _v1_SetIdentityHeadersInNotificationsEnabled(self, form: dict[str, str]) -> None:
        flags = self.server.fake.headers.setdefault(form["Identity"], {})
        flags[form["NotificationType"]] = form["Enabled"] == "true"
        self._reply("SetIdentityHeadersInNotificationsEnabled")

    def _v1_GetIdentityNotificationAttributes(self, form: dict[str, str]) -> None:
        fake = self.server.fake
        entries = []
        for identity in _members(form, "Identities"):
            values = "<ForwardingEnabled>true</ForwardingEnabled>"
            for kind, arn in fake.topics.get(identity, {}).items():
                values += f"<{kind}Topic>{escape(arn)}</{kind}Topic>"
            for kind in ("Bounce", "Complaint", "Delivery"):
                flag = "true" if fake.headers.get(identity, {}).get(kind) else "false"
                values += f"<HeadersIn{kind}NotificationsEnabled>{flag}</HeadersIn{kind}NotificationsEnabled>"
            entries.append(f"<entry><key>{escape(identity)}</key><value>{values}</value></entry>")
        self._reply(
            "GetIdentityNotificationAttributes",
            f"<NotificationAttributes>{''.join(entries)}</NotificationAttributes>",
        )

    def _v1_CreateConfigurationSet(self, form: dict[str, str]) -> None:
        self.server.fake.configuration_sets.setdefault(form["ConfigurationSet.Name"], {})
        self._reply("CreateConfigurationSet")

    def _v1_DescribeConfigurationSet(self, form: dict[str, str]) -> None:
        name = form["ConfigurationSetName"]
        if name not in self.server.fake.configuration_sets:
            self._send(
                400,
                _xml_error("ConfigurationSetDoesNotExist", f"Configuration set <{name}> does not exist."),
                "text/xml",
            )
            return
        members = ""
        for destination in self.server.fake.configuration_sets[name].values():
            types = "".join(f"<member>{t}</member>" for t in destination["types"])  # type: ignore[attr-defined]
            members += (
                f"<member><Name>{destination['name']}</Name><Enabled>{destination['enabled']}</Enabled>"
                f"<MatchingEventTypes>{types}</MatchingEventTypes>"
                f"<SNSDestination><TopicARN>{destination['topic']}</TopicARN></SNSDestination></member>"
            )
        result = (
            f"<ConfigurationSet><Name>{escape(name)}</Name></ConfigurationSet>"
            f"<EventDestinations>{members}</EventDestinations>"
        )
        self._reply("DescribeConfigurationSet", result)

    def _store_destination(self, form: dict[str, str]) -> None:
        destinations = self.server.fake.configuration_sets.setdefault(form["ConfigurationSetName"], {})
        destinations[form["EventDestination.Name"]] = {
            "name": form["EventDestination.Name"],
            "enabled": form.get("EventDestination.Enabled", "false"),
            "types": _members(form, "EventDestination.MatchingEventTypes"),
            "topic": form.get("EventDestination.SNSDestination.TopicARN", ""),
        }

    def _v1_CreateConfigurationSetEventDestination(self, form: dict[str, str]) -> None:
        self._store_destination(form)
        self._reply("CreateConfigurationSetEventDestination")

    def _v1_UpdateConfigurationSetEventDestination(self, form: dict[str, str]) -> None:
        self._store_destination(form)
        self._reply("UpdateConfigurationSetEventDestination")

    def _v1_GetSendStatistics(self, form: dict[str, str]) -> None:
        members = "".join(
            "<member>" + "".join(f"<{k}>{v}</{k}>" for k, v in point.items()) + "</member>"
            for point in self.server.fake.send_data_points
        )
        self._reply("GetSendStatistics", f"<SendDataPoints>{members}</SendDataPoints>")

    def _v1_GetSendQuota(self, form: dict[str, str]) -> None:
        maximum, rate, sent = self.server.fake.quota
        result = (
            f"<Max24HourSend>{maximum}</Max24HourSend><MaxSendRate>{rate}</MaxSendRate>"
            f"<SentLast24Hours>{sent}</SentLast24Hours>"
        )
        self._reply("GetSendQuota", result)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


@pytest.fixture
def ses_fake(moto_endpoint: str) -> Iterator[FakeSes]:
    """A fresh fake SES (SESv2 suppression list, SES v1 gaps) in front of the session's moto."""
    fake = FakeSes(upstream=moto_endpoint)
    server = _Server(fake)
    fake.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield fake
