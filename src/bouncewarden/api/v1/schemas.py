"""Request and response bodies of `/v1` (Pydantic at the HTTP edge, as STYLE.md says)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.field_types import AddressText, Text
from bouncewarden.sends import SendRecord

__all__ = [
    "MAX_ROW_ID",
    "AddressesNote",
    "BlockIn",
    "CanonicalEvent",
    "CanonicalEvents",
    "ChangeOut",
    "CheckIn",
    "DropIn",
    "RowId",
    "RuleIn",
    "RuleOrder",
    "RuleTestIn",
    "SendIn",
    "SendsIn",
    "TokenIn",
    "UserIn",
]

MAX_CHECK = 10_000
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A row id in a URL path: positive, and within the 32-bit integers both databases store."""
MAX_CHANGE = 10_000


class CheckIn(BaseModel):
    """`POST /v1/check`: the addresses to look up, as given."""

    addresses: list[str] = Field(min_length=1, max_length=MAX_CHECK)


class AddressesNote(BaseModel):
    """Addresses to suppress or lift, and why."""

    addresses: list[Text] = Field(min_length=1, max_length=MAX_CHANGE)
    note: Text = Field("", max_length=2000)


class ChangeOut(BaseModel):
    """What a change did: the addresses whose state changed, and the ones refused."""

    changed: list[str]
    unchanged: int
    invalid: list[str] = Field(default_factory=list)


class BlockIn(BaseModel):
    """Suppress a whole domain (with its subdomains) or an address glob pattern."""

    kind: Literal["domain", "pattern"]
    value: Text = Field(min_length=1, max_length=320)
    note: Text = Field("", max_length=2000)


class CanonicalEvent(BaseModel):
    """An event already in bouncewarden's own form (DESIGN.md, The canonical event)."""

    kind: Kind
    recipient: AddressText = Field(min_length=3, max_length=320)
    reason: Reason
    severity: Severity | None = None
    occurred_at: datetime
    dedupe_key: Text | None = Field(None, max_length=500)
    status: Text | None = Field(None, max_length=16)
    reply_code: Text | None = Field(None, max_length=8)
    diagnostic: Text | None = Field(None, max_length=10_000)
    remote_mta: Text | None = Field(None, max_length=500)
    reporting_mta: Text | None = Field(None, max_length=500)
    sender: Text | None = Field(None, max_length=320)
    message_id: Text | None = Field(None, max_length=1000)
    campaign: Text | None = Field(None, max_length=500)
    feedback_type: Text | None = Field(None, max_length=64)
    tags: dict[Text, Text] = Field(default_factory=dict)


class CanonicalEvents(BaseModel):
    """`POST /v1/events` with a JSON body `{"events": [...]}`."""

    events: list[CanonicalEvent] = Field(min_length=1, max_length=10_000)


class SendIn(SendRecord):
    """One message sent to one recipient."""


class SendsIn(BaseModel):
    """`POST /v1/sends`: counted toward the bounce rate's denominator."""

    sends: list[SendIn] = Field(min_length=1, max_length=10_000)


class RuleIn(BaseModel):
    """A rule in the form `rules add` takes: `PATTERN ==> SEVERITY [REASON]`."""

    rule: Text = Field(min_length=4, max_length=2000)
    note: Text = Field("", max_length=2000)


class RuleTestIn(BaseModel):
    """A diagnostic to classify with the stored rules and without them."""

    diagnostic: Text = Field(min_length=1, max_length=10_000)
    reply_code: Text | None = Field(None, max_length=8)
    status: Text | None = Field(None, max_length=16)


class DropIn(BaseModel):
    """Why a quarantined input is given up on."""

    note: Text = Field(min_length=1, max_length=2000)


class RuleOrder(BaseModel):
    """Every stored rule's id, in the order the rules are to be tried."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(max_length=10_000)


class TokenIn(BaseModel):
    """A token to create."""

    scope: Literal["read", "write", "admin"]
    name: Text = Field("", max_length=200)


class UserIn(BaseModel):
    """A user of the admin UI to add."""

    username: Text = Field(min_length=1, max_length=200)
    password: Text = Field(min_length=10, max_length=1000)
    role: Literal["viewer", "operator", "administrator"] = "viewer"
