"""Replies taken from the published error documentation of large receivers and filters.

Each `Receiver` names the pages its replies come from; each `Documented` reply is one case
of generate.py: the scripted remote (remote.py) gives the reply to the recipient whose
local part starts with `prefix` (or, at stage MAIL, to the envelope sender of that name),
and `reason` is what the receiver's documentation says the reply means, in DESIGN.md's
reason words. The expected rows of expected.tsv follow from `reason` (see expect.py),
never from our parser's output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# DESIGN.md: the severity each reason carries by default.
HARD = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})
SOFT = frozenset(
    {
        "mailboxfull",
        "suspend",
        "filtered",
        "expired",
        "onhold",
        "undefined",
        "systemerror",
        "systemfull",
        "networkerror",
        "mailererror",
    }
)
SENDER = frozenset(
    {
        "blocked",
        "spamdetected",
        "virusdetected",
        "policyviolation",
        "authfailure",
        "badreputation",
        "requireptr",
        "notcompliantrfc",
        "norelaying",
        "securityerror",
        "rejected",
        "contenterror",
        "mesgtoobig",
        "exceedlimit",
        "syntaxerror",
        "toomanyconn",
        "speeding",
    }
)


@dataclass(frozen=True)
class Documented:
    """One documented reply: who gets it, when, and what it means."""

    prefix: str  # the case name, and the start of the local part it answers
    stage: str  # RCPT, DATA or MAIL (MAIL: the envelope sender is refused)
    reply: str  # the SMTP reply, "{address}" standing for the address answered
    reason: str  # the documented meaning, as a DESIGN.md reason
    deferred: bool = False  # a 4xx reply: a delay notice, then a final bounce

    @property
    def severity(self) -> str:
        if self.reason in HARD:
            return "hard"
        if self.reason in SOFT:
            return "soft"
        if self.reason in SENDER:
            return "sender"
        raise ValueError(f"{self.prefix}: {self.reason} is not a DESIGN.md reason")

    @property
    def status(self) -> str:
        """The enhanced status the reply states, or class.0.0 when it states none."""
        cls = self.reply[0]
        for found in re.finditer(r"(?<![\d.])([245])\.\d{1,3}\.\d{1,3}(?![\d.])", self.reply):
            if found.group(1) == cls:
                return found.group(0)
        return f"{cls}.0.0"

    @property
    def recipient(self) -> str:
        """The recipient of the case's message (a neutral one when the sender is refused)."""
        return f"to-{self.prefix}@example.com" if self.stage == "MAIL" else f"{self.prefix}@example.com"


@dataclass(frozen=True)
class Receiver:
    """A receiver or filter, the documentation its replies are taken from, and the replies."""

    name: str
    sources: tuple[str, ...]
    replies: tuple[Documented, ...]
