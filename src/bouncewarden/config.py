"""Settings: a TOML file, then `BOUNCEWARDEN_*` environment variables, then options.

Sections mirror the TOML file (`[policy]`, `[sns]`, `[sqs]`, `[aws]`, `[http]`, `[health]`, `[smtp]` and
`[[mailboxes]]` from `bouncewarden.config_mail`, `[[webhooks]]` from
`bouncewarden.config_webhooks`, and one `[[logs]]` table per followed stream of files). Environment
variables name nested fields with a double underscore: `BOUNCEWARDEN_POLICY__GRACE_DAYS=21`;
the database is `BOUNCEWARDEN_DATABASE_URL`. Later sources win: file < environment < options.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bouncewarden.config_mail import MailboxSettings, SmtpSettings
from bouncewarden.config_secrets import read_secret
from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.errors import ConfigurationError

__all__ = [
    "AlertEmailSettings",
    "AwsSettings",
    "HealthSettings",
    "HttpSettings",
    "LogSettings",
    "PolicySettings",
    "Settings",
    "SlackSettings",
    "SnsSettings",
    "SqsSettings",
    "default_database_url",
    "load_settings",
]

DEFAULT_DATA_DIR = Path("data")

# Only AWS's own regional SNS hosts (with the China and GovCloud forms), only the
# certificate file SNS publishes; no port, userinfo, query or fragment.
DEFAULT_CERT_URL_PATTERN = (
    r"^https://sns\.[a-z]{2}(-[a-z]+)+-\d+\.amazonaws\.com(\.cn)?/SimpleNotificationService-[0-9a-f]+\.pem$"
)


class PolicySettings(BaseModel):
    """What feedback does to an address (DESIGN.md, Policy).

    `unreadable`: what a failure the classifier could not read (reason `onhold` or
    `undefined`) means for its address: `soft` counts it as a soft bounce (the default),
    `hard` suppresses at once, `ignore` leaves the address alone (`policy.unreadable`).

    `soft_window_days`: when set, only soft bounces within that many days before a new one
    count toward `max_attempts` (unset: every soft bounce since the address was last clear).
    `delivery_resets_soft`: a delivery after soft bounces clears the count (the default);
    off, the address goes back to `active` but keeps its count for the next soft bounce.
    """

    retry_base_minutes: float = Field(15.0, gt=0)
    retry_factor: float = Field(4.0, ge=1)
    max_attempts: int = Field(5, ge=1)
    grace_days: float = Field(14.0, gt=0, le=30)
    suppress_complaints: bool = True
    unreadable: Literal["soft", "hard", "ignore"] = "soft"
    soft_window_days: float | None = Field(None, gt=0)
    delivery_resets_soft: bool = True


class SnsSettings(BaseModel):
    """The SNS HTTPS endpoint: which topics to trust and how to check certificates."""

    topic_arns: list[str] = Field(default_factory=list)
    cert_url_pattern: str = DEFAULT_CERT_URL_PATTERN
    ca_bundle: Path | None = None
    pinned_certs: dict[str, Path] = Field(default_factory=dict)
    max_age_seconds: int = Field(3600, gt=0)


class SqsSettings(BaseModel):
    """SQS queues to consume."""

    queue_urls: list[str] = Field(default_factory=list)
    wait_seconds: int = Field(20, ge=0, le=20)
    batch_size: int = Field(10, ge=1, le=10)
    visibility_timeout: int = Field(60, ge=0, le=43200)


class AwsSettings(BaseModel):
    """Where AWS is: region, and an endpoint override for moto or private endpoints."""

    region: str = "us-east-1"
    endpoint_url: str | None = None


class HttpSettings(BaseModel):
    """The HTTP server of `bouncewarden serve`."""

    host: str = "127.0.0.1"
    port: int = Field(8025, ge=0, le=65535)
    header_timeout_seconds: float = Field(10.0, gt=0)
    """A connection that has not sent a whole request head by then is closed."""
    keep_alive_seconds: int = Field(5, ge=1)
    """An idle keep-alive connection is closed after this long."""
    max_connections: int = Field(200, ge=1)
    """Open connections (and requests in progress) beyond this are answered 503 at once."""
    session_key_file: Path | None = None
    """The admin UI's session-signing key (created mode 600 when missing). Unset: a new key at
    every start, so sessions end with the process; set it to keep them across restarts and to
    share them between processes behind one proxy."""
    metrics_public: bool = False
    """`GET /metrics` answers without a token (for a scraper on a private network); otherwise it
    needs a bearer token with scope `read`."""


class AlertEmailSettings(BaseModel):
    """Where alert emails go: the recipients and the SMTP server that relays them.

    The password is never a setting of its own: `password_env` names an environment variable,
    or `password_file` a file, that holds it (needed only with `username`).
    """

    to: list[str] = Field(min_length=1)
    sender: str = "bouncewarden@localhost"
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    timeout_seconds: float = Field(10.0, gt=0)

    def password(self) -> str:
        """The SMTP password, from the variable or the file the settings name."""
        return read_secret("[health.email]", "password", self.password_env, self.password_file)


class SlackSettings(BaseModel):
    """One Slack-compatible incoming webhook. Its URL is a credential, so it is read from the
    environment variable `url_env` or the file `url_file`; `name` keys its delivery cursor."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    url_env: str | None = None
    url_file: Path | None = None

    def url(self) -> str:
        """The webhook's URL."""
        return read_secret(f"[[health.slack]] {self.name}", "url", self.url_env, self.url_file)


class HealthSettings(BaseModel):
    """Sender health (DESIGN.md, Rates and alerts): the rolling window, thresholds and channels.

    Rates are percentages. A rate is judged only when its denominator over the window reaches
    `min_volume`. An alert is raised when a rate reaches its threshold and resolved when it
    falls below `resolve_fraction` of it (hysteresis: a rate wavering at the line is one alert).
    """

    window_hours: int = Field(24, ge=1, le=24 * 30)
    min_volume: int = Field(1000, ge=1)
    bounce_warning: float = Field(2.0, gt=0, le=100)
    bounce_review: float = Field(5.0, gt=0, le=100)
    bounce_pause: float = Field(10.0, gt=0, le=100)
    complaint_warning: float = Field(0.05, gt=0, le=100)
    complaint_review: float = Field(0.1, gt=0, le=100)
    complaint_pause: float = Field(0.5, gt=0, le=100)
    resolve_fraction: float = Field(0.8, gt=0, le=1)
    volume_drop_fraction: float = Field(0.5, gt=0, lt=1)
    """Alert when a day's sends fall below this fraction of the trailing 7-day daily average."""
    quota_warning: float = Field(80.0, gt=0, le=100)
    check_ses_quota: bool = False
    """Ask SES for `GetSendQuota` (with the `[aws]` region and endpoint) at every evaluation."""
    incident_minutes: int = Field(10, ge=1, le=24 * 60)
    incident_recipients: int = Field(20, ge=2)
    """Distinct recipients at one provider refused for one sender-side reason within
    `incident_minutes` that make an incident."""
    slack: list[SlackSettings] = Field(default_factory=list)
    """Slack-compatible incoming webhooks that alerts are posted to."""
    email: AlertEmailSettings | None = None


class LogSettings(BaseModel):
    """One `[[logs]]` entry: files of one format that `serve` follows."""

    format: Literal["pmta", "postfix-log", "exim-log", "sendmail-log"]
    paths: list[str] = Field(min_length=1)
    name: str | None = None
    timezone: str = "UTC"
    poll_seconds: float = Field(5.0, gt=0)


class Settings(BaseSettings):
    """Everything bouncewarden can be told."""

    model_config = SettingsConfigDict(env_prefix="BOUNCEWARDEN_", env_nested_delimiter="__", extra="forbid")

    database_url: str | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    policy: PolicySettings = Field(default_factory=lambda: PolicySettings())
    sns: SnsSettings = Field(default_factory=lambda: SnsSettings())
    sqs: SqsSettings = Field(default_factory=lambda: SqsSettings())
    aws: AwsSettings = Field(default_factory=lambda: AwsSettings())
    http: HttpSettings = Field(default_factory=lambda: HttpSettings())
    health: HealthSettings = Field(default_factory=lambda: HealthSettings())
    logs: list[LogSettings] = Field(default_factory=list)
    smtp: SmtpSettings | None = None
    mailboxes: list[MailboxSettings] = Field(default_factory=list)
    webhooks: list[WebhookSettings] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Options (init) win over the environment; the TOML file comes in as init values
        # merged under the options by load_settings.
        return (init_settings, env_settings)

    @model_validator(mode="after")
    def _distinct_webhook_names(self) -> Settings:
        names = [webhook.name for webhook in self.webhooks]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"webhook names must differ; repeated: {', '.join(repeated)}")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database to use: the configured one, or SQLite in the data folder."""
        return self.database_url or default_database_url(self.data_dir)


def default_database_url(data_dir: Path) -> str:
    """SQLite in `data_dir/bouncewarden.db`."""
    return f"sqlite:///{(data_dir / 'bouncewarden.db').as_posix()}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigurationError(f"cannot read settings file {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"settings file {path} is not valid TOML: {err}") from err


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the TOML file, the environment and explicit overrides (None ignored)."""
    file_values = _read_toml(config_file) if config_file is not None else {}
    options = {key: value for key, value in overrides.items() if value is not None}
    try:
        from_env = Settings()
        # Environment beats the file; options beat both.
        env_values = from_env.model_dump(exclude_unset=True)
        return Settings(**_merge(_merge(file_values, env_values), options))
    except ValidationError as err:
        where = f" (file {config_file})" if config_file else ""
        raise ConfigurationError(f"invalid settings{where}: {err}") from err
