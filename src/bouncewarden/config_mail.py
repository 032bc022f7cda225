"""Settings for bounce mail arriving as mail: `[smtp]` (the receiver) and `[[mailboxes]]`.

    [smtp]
    host = "0.0.0.0"
    port = 25
    domains = ["bounces.example.com"]          # any local part at these domains
    addresses = ["fbl@example.com"]            # and these addresses
    verp_templates = ["b.{campaign}.{message_id}.{local}={domain}"]
    tls_cert = "/etc/bouncewarden/mx.pem"      # STARTTLS when set (with tls_key)
    tls_key = "/etc/bouncewarden/mx.key"

    [[mailboxes]]
    name = "bounces"
    kind = "imap"                              # imap | pop3 | maildir | mbox
    host = "imap.example.com"
    username = "bounces@example.com"
    password_env = "BOUNCES_IMAP_PASSWORD"     # or password_file = "/run/secrets/imap"
    after = "move"                             # move | flag | delete | keep
    move_to = "Processed"

A password is never a setting of its own: it is read from the environment variable or the
file the mailbox names, so it stays out of settings files, command lines and `ps`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from bouncewarden.config_secrets import read_secret

__all__ = ["AfterScan", "MailboxKind", "MailboxSecurity", "MailboxSettings", "SmtpSettings"]


class SmtpSettings(BaseModel):
    """The SMTP receiver that is the MX of the return-path domains (`bouncewarden smtp`)."""

    host: str = "127.0.0.1"
    port: int = Field(2525, ge=0, le=65535)
    hostname: str | None = None
    domains: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    verp_templates: list[str] = Field(default_factory=list)
    max_message_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_sessions: int = Field(100, ge=1)
    max_sessions_per_client: int = Field(10, ge=1)
    idle_timeout_seconds: float = Field(60.0, gt=0)
    session_timeout_seconds: float = Field(600.0, gt=0)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    proxy_protocol: bool = False
    proxy_timeout_seconds: float = Field(10.0, ge=3)
    batch_size: int = Field(64, ge=1, le=1000)
    forward_not_feedback_to: str | None = None
    forward_relay: str = "127.0.0.1:25"

    @model_validator(mode="after")
    def _check(self) -> SmtpSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("[smtp] tls_cert and tls_key go together")
        self.domains = [domain.lower().strip(".") for domain in self.domains]
        self.addresses = [address.lower() for address in self.addresses]
        return self


class MailboxKind(StrEnum):
    """Where a mailbox is read."""

    IMAP = "imap"
    POP3 = "pop3"
    MAILDIR = "maildir"
    MBOX = "mbox"


class MailboxSecurity(StrEnum):
    """How a network mailbox is protected: TLS from the start, or STARTTLS/STLS."""

    TLS = "tls"
    STARTTLS = "starttls"


class AfterScan(StrEnum):
    """What happens to a message once its events are committed."""

    MOVE = "move"
    FLAG = "flag"
    DELETE = "delete"
    KEEP = "keep"


_DEFAULT_PORTS = {
    (MailboxKind.IMAP, MailboxSecurity.TLS): 993,
    (MailboxKind.IMAP, MailboxSecurity.STARTTLS): 143,
    (MailboxKind.POP3, MailboxSecurity.TLS): 995,
    (MailboxKind.POP3, MailboxSecurity.STARTTLS): 110,
}


class MailboxSettings(BaseModel):
    """One mailbox that `bouncewarden mailbox scan` reads."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: MailboxKind
    host: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    security: MailboxSecurity = MailboxSecurity.TLS
    ca_file: Path | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    folder: str = "INBOX"
    path: Path | None = None
    after: AfterScan = AfterScan.FLAG
    move_to: str = "Processed"
    flag: str = "$Bouncewarden"
    not_feedback_to: str | None = None
    poll_seconds: float = Field(60.0, gt=0)
    idle: bool = True

    @model_validator(mode="after")
    def _check(self) -> MailboxSettings:
        local = self.kind in (MailboxKind.MAILDIR, MailboxKind.MBOX)
        if local and self.path is None:
            raise ValueError(f"mailbox {self.name}: a {self.kind} mailbox needs a path")
        if not local and (self.host is None or self.username is None):
            raise ValueError(f"mailbox {self.name}: an {self.kind} mailbox needs host and username")
        if self.kind is MailboxKind.MBOX and self.after is not AfterScan.KEEP:
            raise ValueError(f'mailbox {self.name}: an mbox file is only read (after = "keep")')
        if self.kind is MailboxKind.POP3 and self.after not in (AfterScan.DELETE, AfterScan.KEEP):
            raise ValueError(f"mailbox {self.name}: POP3 can only delete or keep a message")
        return self

    @property
    def resolved_port(self) -> int:
        """The port to connect to: the configured one or the protocol's default."""
        return self.port or _DEFAULT_PORTS.get((self.kind, self.security), 0)

    def password(self) -> str:
        """The password, from the environment variable or the file the settings name."""
        return read_secret(f"mailbox {self.name}", "password", self.password_env, self.password_file)
