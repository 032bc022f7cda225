"""The order of evidence: how wording, status, reply code and the parser's hint make one reason.

1. The receiving provider's own wording (`receivers`), when the remote host, the recipient's
   domain or telltale text names a provider we decode.
2. General wording (`reasons`): text is usually more precise than a generic status such as
   5.0.0, 4.0.0 or 5.7.1. A weak wording gives way to a precise status or the parser's hint.
3. The enhanced status (`status`), where it is precise (5.1.1, 5.2.2, 5.7.26, ...).
4. The parser's reason hint, where its format states the reason plainly.
5. The subject of the status alone (X.7.x a security or policy refusal, X.3.x the mail
   system), before the reply code: a 552 with 5.7.1 is a policy refusal, not
   a full mailbox.
6. The reply code (`replycode`), where it is narrow (552, 556, 5xx syntax errors, ...).
7. Nothing said: `onhold` when there was a diagnostic to read, `undefined` otherwise. (The
   parse pipeline names an uncaused delay notice `expired`; see `parse.pipeline`.)

Then the SMTP stage the reply belongs to (`command`) corrects the result:

- "no such user" wording is hard only with proof that it is about the mailbox: a status of
  the addressing subject (X.1.x, which outranks the stage: an LMTP-style reply to DATA may
  still say 5.1.1), a status of that subject in the reply's own text, an answer to RCPT TO,
  or the parser's own format saying so (its reason hint). An answer to DATA is a refusal of
  the message: `filtered`. With no proof either way it is `filtered` (soft) too: Japanese
  carriers, for one, answer "User unknown" to senders the recipient filters, and a soft
  bounce still turns into a suppression when it repeats past the grace period, while a wrong
  hard bounce suppresses a live address at once. (The shared corpus, labelled this way,
  holds some twenty such replies.) The doubt is about the canned English replies filters
  are known to reuse ("User unknown", "No such user"); wording in other languages is taken at
  its word unless it answered DATA, and so is English wording that states the address's state
  in so many words ("does not exist", "could not be found", "invalid recipient") in a
  permanent (5xx) reply: such a reply names the mailbox's absence, not a filter's verdict.
  Parsers therefore pass on the command wherever the report shows it outside the
  diagnostic (a session transcript's `>>> RCPT To:`, an MTA's "SMTP:RCPT");
- an address reason in reply to MAIL FROM is about the *sender's* address: `rejected`;
- a vague refusal at the greeting or after EHLO refuses the connecting client: `blocked`;
- "host not found" in a temporary (4.x.x) report is a DNS failure that may pass: `networkerror`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bouncewarden.classify.command import SmtpCommand, command_from_text, normalise_command
from bouncewarden.classify.folding import fold_text
from bouncewarden.classify.reasons import reason_from_text
from bouncewarden.classify.receivers import Evidence, reason_from_receivers
from bouncewarden.classify.replycode import reason_from_reply, reply_in_text
from bouncewarden.classify.status import find_status, parse_status, reason_from_status, reason_from_subject
from bouncewarden.events import Reason
from bouncewarden.textscan.screen import ScreenedPattern

if TYPE_CHECKING:  # parse imports classify at run time; this way round is for types only
    from bouncewarden.parse.report import RecipientFinding

__all__ = ["decide_reason"]

_DELIVERED_ACTIONS = frozenset({"delivered", "relayed", "expanded"})
_HOST_IN_TEXT = ScreenedPattern.compile(r"\bhost:?\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b", re.IGNORECASE)
_HOST_TOKEN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")

# Reasons about the address itself: after MAIL FROM they are about the sender's address.
_ADDRESS_REASONS = frozenset(
    {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT, Reason.FILTERED}
)
# Vague outcomes that a refusal before MAIL FROM turns into `blocked`.
_VAGUE_AT_CONNECT = frozenset(
    {
        Reason.SECURITYERROR,
        Reason.POLICYVIOLATION,
        Reason.REJECTED,
        Reason.SYSTEMERROR,
        Reason.SYNTAXERROR,
        Reason.USERUNKNOWN,
        Reason.FILTERED,
        Reason.HOSTUNKNOWN,
        Reason.ONHOLD,
        Reason.UNDEFINED,
        Reason.EXPIRED,
    }
)


def _host(finding: RecipientFinding, text: str) -> str:
    """The remote host name, lower case: Remote-MTA, "host X said" in the text, else the
    Reporting-MTA (with no remote host named, the MTA that wrote the report is the last one
    that handled the message, as filtering services writing their own refusals are)."""
    found = _HOST_TOKEN.search((finding.remote_mta or "").split(";", 1)[-1].lower())
    if found is None:
        in_text = _HOST_IN_TEXT.search(text)
        found = _HOST_TOKEN.search(in_text.group(1).lower()) if in_text else None
    if found is None:
        found = _HOST_TOKEN.search((finding.reporting_mta or "").split(";", 1)[-1].lower())
    return found.group(0).rstrip(".") if found else ""


def _evidence(finding: RecipientFinding, text: str, command: SmtpCommand | None) -> Evidence:
    domain = finding.address.rpartition("@")[2].strip().strip("<>").lower()
    return Evidence(
        text=text,
        host=_host(finding, text),
        domain=domain,
        status=finding.status,
        command=command.value if command else None,
    )


def _about_address(status: str | None) -> bool:
    """Whether a status is of the addressing subject and not about the sender (X.1.x but X.1.7/8)."""
    parsed = parse_status(status)
    return parsed is not None and parsed.subject == "1" and parsed.detail not in ("7", "8")


def _settle_unknown_user(
    command: SmtpCommand | None, status: str | None, hint: Reason | None, text: str
) -> Reason:
    """`userunknown` with proof that the mailbox was refused, `filtered` without (see above).

    The status the reply itself states counts as well as the report's: "Status: 5.0.0" with
    "550 5.1.1 ... User unknown" in the diagnostic is a refusal of the mailbox.
    """
    if _about_address(status) or _about_address(find_status(text)):
        return Reason.USERUNKNOWN
    if command is SmtpCommand.DATA:
        return Reason.FILTERED
    if command is SmtpCommand.RCPT or hint is Reason.USERUNKNOWN:
        return Reason.USERUNKNOWN
    return Reason.FILTERED


def _from_wording(
    finding: RecipientFinding, text: str, command: SmtpCommand | None
) -> tuple[Reason, str] | None:
    """(reason, where it came from: "receiver", "strong" or "weak" wording), or None."""
    provider = reason_from_receivers(_evidence(finding, text, command))
    if provider is not None:
        return provider[1], "receiver"
    verdict = reason_from_text(text)
    if verdict is None:
        return None
    if not verdict.strong and (reason_from_status(finding.status) is not None or finding.reason_hint):
        return None
    reason = verdict.reason
    permanent = (finding.reply_code or reply_in_text(text) or "").startswith("5")
    if reason is Reason.USERUNKNOWN and (verdict.canned or (verdict.needs_reply and not permanent)):
        reason = _settle_unknown_user(command, finding.status, finding.reason_hint, text)
    elif reason is Reason.USERUNKNOWN and command is SmtpCommand.DATA:
        reason = Reason.FILTERED
    return reason, "strong" if verdict.strong else "weak"


def _from_codes(finding: RecipientFinding, text: str) -> tuple[Reason, str]:
    """(reason, origin) from the status, the parser's hint, the reply code, or nothing."""
    by_status = reason_from_status(finding.status)
    if by_status is not None:
        return by_status, "status"
    if finding.reason_hint is not None:
        return finding.reason_hint, "hint"
    by_subject = reason_from_subject(finding.status)
    if by_subject is not None:
        return by_subject, "subject"
    by_reply = reason_from_reply(finding.reply_code or reply_in_text(text))
    if by_reply is not None:
        return by_reply, "reply"
    return (Reason.ONHOLD if text else Reason.UNDEFINED), "none"


def _corrected(reason: Reason, origin: str, finding: RecipientFinding, command: SmtpCommand | None) -> Reason:
    """The stage of the session and the class of the status correct a reason."""
    parsed = parse_status(finding.status)
    temporary = parsed.is_temporary if parsed else (finding.reply_code or "").startswith("4")
    if reason is Reason.HOSTUNKNOWN and temporary:
        return Reason.NETWORKERROR
    if origin == "receiver":
        return reason
    sender_status = parsed is not None and parsed.subject == "1" and parsed.detail in ("7", "8")
    vague = origin in ("weak", "reply", "none")
    if (reason in _ADDRESS_REASONS or vague) and (command is SmtpCommand.MAIL or sender_status):
        return Reason.REJECTED
    if command in (SmtpCommand.CONNECT, SmtpCommand.HELO) and (reason in _VAGUE_AT_CONNECT or vague):
        return Reason.BLOCKED
    return reason


def decide_reason(finding: RecipientFinding, command: str | None = None) -> Reason:
    """The reason for a bounce or delay finding (kind-fixed reasons are decided by the caller)."""
    text = fold_text(finding.diagnostic)
    parsed = parse_status(finding.status)
    if (parsed is not None and parsed.klass == "2") or (finding.action or "").lower() in _DELIVERED_ACTIONS:
        return Reason.DELIVERED
    stage = normalise_command(command) or command_from_text(text)
    reason, origin = _from_wording(finding, text, stage) or _from_codes(finding, text)
    return _corrected(reason, origin, finding, stage)
