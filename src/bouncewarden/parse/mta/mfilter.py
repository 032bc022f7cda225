"""m-FILTER (Digital Arts' mail filter gateway): its Japanese "failure notice".

X-Mailer "m-FILTER", Subject "failure notice". Japanese sentences, then the address(es),
then dashed section heads:

    以下のメールアドレスへの送信に失敗しました。
    user@example.co.jp

    -------server message
    550 5.1.1 <user@example.co.jp>: Recipient address rejected: User unknown

    -------SMTP command
    DATA

    -------original message   (or "-------original mail info")
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "mfilter"

_SECTION = re.compile(r"^-------(server message|SMTP command|original [a-z ]+)\s*$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """m-FILTER as the mailer or its "-------server message" section."""
    return message.header("X-Mailer").startswith("m-FILTER") or "m-FILTER" in head(message, 200)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The addresses above the server message, each with that message."""
    parts = _SECTION.split(message.text)
    if len(parts) < 3 or parts[1] != "server message":
        return None
    addresses = [line.strip() for line in parts[0].splitlines() if ADDRESS.fullmatch(line.strip())]
    diagnostic = fold(parts[2])
    findings = [make_finding(address, diagnostic) for address in addresses]
    return findings or None
