"""Which SMTP command a remote reply answered, as far as the diagnostic text tells.

The command matters for the reason: a refusal at the greeting or after EHLO is about the
connecting client (blocked), one after MAIL FROM about the sender address (rejected), one after
RCPT TO about the recipient, and one after DATA about the message; a "User unknown" after DATA
comes from a per-recipient filter (Japanese carriers answer that way to senders the recipient
refuses), not from a missing mailbox.

MTAs write the command in their own words:

    (in reply to RCPT TO command)                        Postfix
    SMTP error from remote mail server after end of data Exim
    ... after pipelined RCPT TO:<user@example.net>      Exim, pipelining
    192.0.2.1 does not like recipient.                   qmail
    mx.example.net [192.0.2.1] did not like our RCPT TO: DragonFly DMA
    Remote host said: 550 5.1.1 ... [RCPT_TO]            Yahoo
"""

from __future__ import annotations

import re
from enum import StrEnum

from bouncewarden.textscan.screen import ScreenedTable

__all__ = ["SmtpCommand", "command_from_text", "normalise_command"]


class SmtpCommand(StrEnum):
    """The stage of an SMTP session a reply belongs to."""

    CONNECT = "CONN"
    HELO = "HELO"
    MAIL = "MAIL"
    RCPT = "RCPT"
    DATA = "DATA"


# Tried in order, first match wins (case-insensitive); screened (`textscan.screen`), as most
# texts name no command.
_WORDS = ScreenedTable(
    (command, (re.compile(pattern, re.IGNORECASE),))
    for pattern, command in (
        (r"in reply to (?:the )?end of data\b|in reply to (?:the )?data\b", SmtpCommand.DATA),
        (r"in reply to (?:the )?rcpt to\b", SmtpCommand.RCPT),
        (r"in reply to (?:the )?mail from\b", SmtpCommand.MAIL),
        (r"in reply to (?:the )?(?:ehlo|helo)\b", SmtpCommand.HELO),
        (r"refused to talk to me", SmtpCommand.CONNECT),
        (r"\bafter (?:pipelined )?(?:end of data|data)\b", SmtpCommand.DATA),
        (r"\bafter (?:pipelined )?rcpt(?: to)?\b", SmtpCommand.RCPT),
        (r"\bafter (?:pipelined )?mail(?: from)?\b", SmtpCommand.MAIL),
        (r"\bafter (?:ehlo|helo)\b", SmtpCommand.HELO),
        (r"\bafter (?:the )?initial connection\b", SmtpCommand.CONNECT),
        (r"did not like our (?:final )?data\b", SmtpCommand.DATA),
        (r"did not like our rcpt\b", SmtpCommand.RCPT),
        (r"did not like our mail\b", SmtpCommand.MAIL),
        (r"did not like our (?:ehlo|helo)\b", SmtpCommand.HELO),
        (r"does not like recipient|most progress was rcpt", SmtpCommand.RCPT),
        (r"failed after i sent the message", SmtpCommand.DATA),
        (r"but sender was rejected", SmtpCommand.MAIL),
        (r"but my name was rejected", SmtpCommand.HELO),
        (r"\bsmtp:rcpt\b", SmtpCommand.RCPT),
        (r"\bsmtp:mail\b", SmtpCommand.MAIL),
        (r"\bsmtp:data\b", SmtpCommand.DATA),
        (r"\[rcpt_to\]", SmtpCommand.RCPT),
        (r"\[mail_from\]", SmtpCommand.MAIL),
        (r"\[data\]", SmtpCommand.DATA),
    )
)

_NAMES = {
    "CONN": SmtpCommand.CONNECT,
    "CONNECT": SmtpCommand.CONNECT,
    "HELO": SmtpCommand.HELO,
    "EHLO": SmtpCommand.HELO,
    "MAIL": SmtpCommand.MAIL,
    "RCPT": SmtpCommand.RCPT,
    "DATA": SmtpCommand.DATA,
    "BDAT": SmtpCommand.DATA,
}


def normalise_command(command: str | None) -> SmtpCommand | None:
    """An SMTP command as a parser wrote it ("RCPT TO", "MAIL", "EHLO", ...), or None."""
    if not command:
        return None
    words = command.strip().upper().split()
    return _NAMES.get(words[0]) if words else None


def command_from_text(text: str) -> SmtpCommand | None:
    """The command the diagnostic says the reply answered, or None when it does not say."""
    return _WORDS.first(text)
