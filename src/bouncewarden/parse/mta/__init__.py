"""Parsers for the non-standard bounce texts of real MTAs, one module per family.

Each module offers `NAME`, a cheap `detect(message)` that looks at headers and first lines
only, and `parse(message)` returning the findings per recipient, or None when the text turns
out not to be its format. `PARSERS` lists them in the order the pipeline tries them: add a
module, then one line here.
"""

from __future__ import annotations

from typing import Protocol

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import (
    amazonses,
    amazonworkmail,
    apachejames,
    biglobe,
    domino,
    dragonfly,
    exchange2003,
    exchange2007,
    exim,
    fml,
    gmail,
    gmx,
    googlegroups,
    imailserver,
    kddi,
    mailfoundry,
    mailmarshal,
    mcafee,
    messagingserver,
    mfilter,
    notes,
    opensmtpd,
    permanentfailure,
    postfix,
    qmail,
    returnedmail,
    sendmail,
    trendmicro,
    troubledelivering,
    v5sendmail,
    verizon,
    yahoo,
    zoho,
)
from bouncewarden.parse.report import RecipientFinding

__all__ = ["GUESSES_STATUS", "PARSERS", "TEXT_NAMES_RECIPIENT", "MtaParser"]


class MtaParser(Protocol):
    """The contract of an MTA family module."""

    NAME: str

    def detect(self, message: BounceMessage) -> bool:
        """Whether the message looks like this family's bounce (cheap)."""
        ...

    def parse(self, message: BounceMessage) -> list[RecipientFinding] | None:
        """The findings per recipient, or None when the text is not this format."""
        ...


# Specific signatures (sender, mailer header) first; generic wordings shared by several
# MTAs (Exim's opening sentence, sendmail's headings) last.
PARSERS: tuple[MtaParser, ...] = (
    amazonses,
    apachejames,
    verizon,
    fml,
    imailserver,
    mfilter,
    zoho,
    gmx,
    dragonfly,
    kddi,
    biglobe,
    exchange2003,
    domino,
    mcafee,
    messagingserver,
    googlegroups,
    gmail,
    amazonworkmail,
    permanentfailure,
    troubledelivering,
    returnedmail,
    mailfoundry,
    mailmarshal,
    trendmicro,
    notes,
    opensmtpd,
    postfix,
    qmail,
    yahoo,
    exchange2007,
    exim,
    sendmail,
    v5sendmail,
)

# Families whose text names each recipient as the sender addressed it, while their
# delivery-status part may name the address after the server rewrote it (a forwarding or
# directory address): where the two differ, the text's address is the one reported.
TEXT_NAMES_RECIPIENT: frozenset[str] = frozenset({domino.NAME})

# Families whose delivery-status part gives a status of their own making where the remote's
# reply stated none: sendmail writes 5.1.1 for any refused RCPT and 5.2.0 for any refusal
# after DATA, guessed from the command and the reply code), so that status is a guess about
# the remote's words, weaker than the words themselves (`RecipientFinding.status_guessed`).
GUESSES_STATUS: frozenset[str] = frozenset({sendmail.NAME})
