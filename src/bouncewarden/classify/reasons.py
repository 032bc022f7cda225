"""Diagnostic wording per reason: how receiving servers phrase each kind of refusal.

The tables are written from the way MTAs and providers word their replies (Postfix, Exim,
Sendmail, qmail, Exchange, the big mailbox providers' published error pages, RFC 3463 and
RFC 5248 descriptions), never from one sample's exact sentence. `reason_from_text` tries them
in order and the first match wins, so the order carries meaning:

- sender-side refusals that name their cause (SPF/DKIM/DMARC, reverse DNS, relaying,
  blocklists, reputation, spam and virus verdicts) come before anything about the address,
  so that "550 5.1.1 ... blocked using Spamhaus" is never taken for an unknown user;
- specific mailbox states (full, disabled, moved) come before the catch-all "unknown user";
- delivery-time wording ("timed out", "retry timeout exceeded") comes late, because it is
  often appended to the real cause ("mailbox is full: retry timeout exceeded");
- some receivers end a refusal with a bracketed category: "(BL)" is their blocklist
  (Deutsche Telekom's "554 IP=192.0.2.1 - A problem occurred. ... (BL)");
- a hedge is not a verdict: "the account may not exist, or may be blacklisted" lists
  possibilities, so "may (not)" / "might (not)" keeps the unknown-user and blocklist patterns
  from matching (the parser's hint or the codes decide).

A group marked weak (`_WEAK`) only says something when the enhanced status says nothing
precise and the parser gave no hint: "message content rejected" is a spam verdict under 5.7.1
but a media error under 5.6.1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bouncewarden.classify import transport
from bouncewarden.classify.address_words import (
    HASMOVED,
    HOSTUNKNOWN,
    NOTACCEPT,
    UNROUTABLE,
    USERUNKNOWN,
    USERUNKNOWN_STATED,
)
from bouncewarden.classify.folding import fold_text
from bouncewarden.classify.foreign import (
    FOREIGN_MAILBOXFULL,
    FOREIGN_SPAM,
    FOREIGN_SUSPEND,
    FOREIGN_TOOMANYCONN,
    FOREIGN_USERUNKNOWN,
)
from bouncewarden.events import Reason
from bouncewarden.textscan.screen import ScreenedTable

__all__ = ["TextVerdict", "reason_from_text"]


@dataclass(frozen=True, slots=True)
class TextVerdict:
    """The reason some wording names, whether it outranks a precise status, and whether it is
    one of the canned English "no such user" replies that per-recipient filters are known to
    reuse (`classify.decide` wants proof of the SMTP stage for those; wording in other
    languages states the address's state and needs none; English wording that states it in so
    many words, "does not exist", needs a permanent reply code: `needs_reply`)."""

    reason: Reason
    strong: bool = True
    canned: bool = True
    needs_reply: bool = False


_STRONG = True
_WEAK = False

# One block of patterns per group, one regular expression per line, in lower case (searched
# in the folded, lower-cased diagnostic); a line starting with "+" continues the
# pattern of the line above, so that long expressions stay readable.

_SPAM_VERDICT = r"""
\b(?:spamassassin|bogofilter|rspamd|spamd)\b
(?:rejected|refused|blocked) (?:due to|because of|as) (?:a )?spam
(?:scored|classified|identified|detected|flagged) as (?:possible )?spam
"""

_VIRUSDETECTED = r"""
\bvirus\b.{0,30}\b(?:blocked|rejected|refused)\b
\b(?:virus|malware|trojan|worm)\b.{0,40}\b(?:detected|found|infected)\b
\b(?:infected|contains?) (?:with |by )?(?:an? )?(?:virus|malware|malicious)
\bvirus(?:es)? (?:detected|found)
"""

_AUTHFAILURE = r"""
(?:\bno|\bnot|n'?t|\bwithout|\bmissing)\b.{0,20}\b(?:valid |passing )?dkim signature
\bip(?: address)?\b.{0,30}\bdoes(?: not|n'?t) match (?:the |your )?(?:sender'?s? |sending |from )?domain
\b(?:ip|host|server)\b.{0,30}\bnot (?:authori[sz]ed|permitted|allowed) to send
+ (?:mail |e-?mail )?(?:for|on behalf of)
\bdmarc\b
\bspf\b.{0,80}\b(?:fail|check|record|policy|validation|verification|settings|unauthori[sz]ed
+|not (?:pass|allowed|authori[sz]ed))
\b(?:fail(?:s|ed|ure)?|not pass(?:ing)?|check) .{0,40}\bspf\b
\bdkim\b.{0,40}\b(?:fail|invalid|missing|required|not (?:valid|pass))
\b(?:fail(?:s|ed|ure)?|no (?:valid|passing)) .{0,30}\bdkim\b
\bauthenticate with (?:either )?spf or dkim
multiple authentication checks failed
\bsender ?id\b.{0,40}\b(?:fail|check)
"""

_REQUIREPTR = r"""
\bptr\b.{0,40}\b(?:record|lookup|missing|required|setup)
\b(?:reverse|rdns)\b.{0,20}\b(?:dns|lookup|hostname|record|mapping|entry)\b
\b(?:ip|client|host) name lookup failed
cannot find your (?:reverse )?hostname
(?:not|no) (?:a )?(?:valid )?(?:reverse dns|ptr)
unverifi?(?:y|i)able sending ips?
\bptr record\b
dns ptr
"""

_FILTERED = r"""
(?:mail|message|e-?mail) (?:is |was |has been )?rejected by (?:the )?recipients?\b
+(?!'?s? (?:server|domain|mail|host|system|mta))
(?:mail|message) (?:is |was |has been )?rejected by (?:the )?destination domain
(?:recipient|user|addressee) (?:does not|doesn'?t) want (?:your|this|the) (?:mail|message|e-?mail)
\b(?:user|recipient|personal)(?:'?s)? (?:block|black) ?list
message filtered
(?:rejected|blocked|refused) by (?:the )?recipient'?s? (?:filter|rules|preferences)
\buser (?:refuses|rejects?)\b
recipient is only accepting mail from
refused due to recipient preferences
you have been blocked by the recipient
due to user rules
account is protected by
"""

_NORELAYING = r"""
(?:not|isn'?t) in (?:my|our|the) list of allowed rcpthosts
relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed|authori[sz]ed)|prohibited)
not (?:permitted|allowed|authori[sz]ed) to relay
(?:unable|cannot|can'?t) (?:to )?relay
\bwe do not relay\b
insecure mail relay
trying to use me .{0,60} as a relay
not in (?:my|our) list of allowed rcpthosts
(?:identity|identities|address) (?:is |are )?not verified
"""

_REJECTED = r"""
\b(?:mail|messages?|e-?mails?) from your (?:domain|address)\b.{0,30}\bnot (?:accepted|allowed|permitted)
\b(?:sender'?s?|envelope[- ](?:sender|from)|mail[- ]from|return[- ]path)
+(?: e-?mail)?(?: address)?(?: domain| host)?\b(?:(?!recipient|mailbox|user|account)[^.;]|\.(?=\w)){0,40}
+\b(?:does(?: not|n'?t) (?:exist|resolve|accept)|not (?:found|exist|valid|verified|resolv\w*)|unknown|invalid
+|has no (?:mx|a|dns|mail)|(?:cannot|can'?t) be (?:verified|resolved))
\b(?:your|from:?|mail from) (?:e-?mail )?(?:address|domain)\b
+(?:(?!recipient|mailbox|user|account)[^.;]|\.(?=\w)){0,40}
+\b(?:does(?: not|n'?t) (?:exist|resolve|accept)|not (?:found|exist|valid|verified|allowed|permitted)|unknown
+|invalid|has no (?:mx|a|dns|mail))
\b(?:invalid|unknown|bad|non-?existent|unverifiable|unresolvable|unroutable)
+ (?:sender|envelope[- ]sender|return[- ]path|mail[- ]from|from) (?:e-?mail )?(?:address|domain)
\bsender (?:is |has been |was )?(?:blocked|banned|black ?listed|block ?listed|denied)
requires? (?:a )?valid sender (?:domain|address)
too many (?:invalid|unknown|bad|non-?existent) (?:recipients|addresses|users)
sender address has (?:a )?null mx
(?:unresolvable|unresolved|non-?existent) (?:rfc\.?5321 )?(?:from|sender|envelope[- ]from) domain
sender (?:address )?(?:rejected|refused|denied|invalid|verify failed|verification failed)
sender was rejected
domain of sender address .{0,80}(?:does not exist|not found|not resolve)
unroutable sender
sender (?:domain|address) (?:must exist|does not exist|not found|unknown|is invalid)
(?:mail from|envelope sender|envelope from|return[- ]path) (?!\[?\d{1,3}(?:\.\d{1,3}){3}\b)
+.{0,40}(?:rejected|refused|denied)
(?:your|sender'?s?|from) (?:e-?mail )?address .{0,60}(?:black|block|ban)[- ]?list
sending to/from an address that has been (?:black|block)listed
not (?:a )?member of (?:this|the) (?:mailing )?list
purported responsible address
"""

_BADREPUTATION = r"""
\bdue to (?:user |recipient )?complaints\b
\b(?:due to|because of|based on) (?:the |your |its |a )?(?:poor |low |bad |negative )?
+(?:sender|sending|source|ip)(?: ip)?(?: address)? reputation\b
\b(?:low|poor|bad) reputation\b
\breputation of the sending\b
"""

_BLOCKED = r"""
\bconnection (?:rejected|refused|denied) (?:by|due to) (?:local |our )?polic
\b(?:over|via) ipv6\b
\bclient (?:is |has been )?blocked\b
\bip\b.{0,40}\bnot (?:authori[sz]ed|allowed|permitted) to send (?:e-?mail |mail )?directly
\bunauthori[sz]ed (?:interface|host|server|client|ip)\b
\bdial-?up\b
\bblock (?:permanently|temporarily)\b|\bsender filtering\b
\bdenial of connection\b|\bzombie\b
(?:traffic|mail|connections?) (?:is |are )?not accepted from (?:this|your) (?:ip|host|server|network)
\bblock(?:ed)? for (?:abuse|spam)
\bspam (?:sender|source)\b
\bdynamic(?:ally assigned)? (?:ip|address|pool|range)|\bresidential (?:ip|space|range|address)
\b(?:e-?mail|ip) reputation (?:service|database)
blocked by spam statistics
helo command rejected
\bhelo\b.{0,30}\b(?:rejected|invalid|not found|unknown)
\b(?:spamhaus|spamcop|sorbs|barracuda(?:central)?|dnsbl|uceprotect|abuseat|mailspike)\b
\b(?:psbl|dronebl|invaluement|ivmsip|backscatterer|cloudmark|s5h\.net)\b
\brbl\b
blocked using\b
\b(?:listed|found) (?:at|in|on|by) (?:the |our |a )?[\w.-]*\s?(?:dnsbl|rbl|black ?list|block ?list|spam)
\b(?:client|source|sending|sender'?s?|connecting|remote|your) (?:host|ip|server|mta|network|mail server)\b
+(?! after\b| said\b).{0,60}\b(?:blocked|banned|black ?listed|block ?listed|denied|refused|rejected
+|not (?:allowed|permitted|accepted))
\b(?:blocked|banned|black ?listed|block ?listed|denied|refused|rejected)\b
+.{0,20}\b(?:sending |source |client )?ip\b
\bip(?: address)?\b.{0,40}
+\b(?:blocked|banned|black ?listed|block ?listed|on (?:our|a) (?:block|black) ?list)
(?<!may be )(?<!might be )\b(?:black|block)[- ]?list(?:ed)?\b
blocked for (?:abuse|spam)
\(bl\)(?:\s|$)
not accepting connections
open relay
refused to talk to me
may not be mail exchanger
ip source bloqu
"""

_SPAM = r"""
\bsuspicious\b.{0,40}\b(?:content|links?)\b
\bphish(?:ing)?\b
\bspam\b
\bube\b
\bunsolicited (?:bulk |commercial )?(?:e-?mail|mail|message)
\bjunk mail\b
"""

_CONTENT_REFUSED = r"""
(?:message|mail) content (?:was )?(?:rejected|refused|denied)
content (?:rejected|refused)
"""

_TOOMANYCONN = r"""
exceeded (?:the )?(?:allowable|maximum|allowed) connection (?:time|count|limit)
too many (?:connections|concurrent|simultaneous|sessions|recipients|rcpt)
(?:connection|session) (?:rate |frequency |count )?limit(?:ed|s? (?:exceeded|reached))
\b(?:ip|domain) (?:count )?limit(?:ed|s? (?:exceeded|reached))
\bconnection frequency limited
maximum (?:number of )?(?:connections|recipients)
"""

# A rate limit that names spam only as its motive ("to protect our users from spam, mail from
# your IP address has been rate limited"), or that counts recipients or messages per hour, is a
# limit of the rate: tried before the spam words and the connection limits.
_RATE_LIMITED = r"""
\b(?:temporarily )?rate[- ]limited\b
\b(?:ip|domain|sender) (?:rate|frequency) limit(?:ed|s? (?:exceeded|reached))
\btoo many (?:recipients|messages|e-?mails) (?:received |sent )?(?:this|per|an?|in the last)
+ (?:hour|minute|day)\b
\bunusual rate of (?:e-?mail|mail|messages?)\b
"""

_SPEEDING = r"""
\bexcessive (?:volume|sending|mail|message rate)
\blimits? (?:for|on) how many (?:messages|mails|e-?mails)
\b(?:messages|mails|e-?mails) (?:can be )?sent per (?:minute|hour|day)
\b(?:sender|sending|mail|message) frequency (?:limit|exceed)
\bmail flood
receiving mail (?:at a rate|too quickly)
\brate limit(?:ed|ing)?\b
sending (?:rate|too fast|too quickly)
\bthrottl
\btoo (?:many|much) (?:mails?|messages|e-?mails)\b
+(?!.{0,30}\b(?:mailbox|inbox|folder|quota|stored|on the server|in (?:the|his|her|their) account)\b)
"""

_MESGTOOBIG = r"""
\b(?:message|mail|e-?mail)\b (?:is |was )?(?:larger|bigger) than
(?:message|mail|email|e-mail|size) (?:is |was )?too (?:big|large)
too (?:big|large) for (?:this|the) (?:system|recipient|server)
recipsizelimit
"""

_EXCEEDLIMIT = r"""
(?:message|mail|e-?mail) (?:size|length) exceeds?
exceeds? (?:the |an? )?(?:fixed |administrative |maximum |max )+(?:message )?(?:size|limit|length)
size (?:limit )?exceeded
exceeds limit set by recipient
"""

_SYSTEMFULL = r"""
insufficient (?:system|disk) (?:storage|resources|space)
(?:mail ?system|disk|file ?system|queue) (?:is )?full
no space left on device
"""

_MAILBOXFULL = r"""
\b(?:mailbox|inbox|folder)\b[^.;]{0,40}\b(?:message count|number of messages|storage|size|space)\b[^.;]{0,20}
+\b(?:limit|quota|exceeded|reached|full)
\b(?:mailbox|inbox)\b (?:has )?(?:exceeded|reached) (?:the |its |their )?(?:limit|capacity|quota|size)
(?:not enough|insufficient) (?:storage )?space (?:in|for|on)
+ (?:the |this |recipient'?s? )*(?:mailbox|inbox|account)
\bhas too many messages (?:on|in|stored)
exceed(?:ed|s)? (?:its |their |the |his |her |your )?storage (?:limit|allocation|quota|space)
\b(?:exhausted|used up) (?:the |its |their |his |her |your |allowed |available )*
+storage (?:space|quota|allocation)
storage (?:limit|allocation|quota) (?:exceeded|reached)
\bfolder (?:is )?full
mail ?box (?:is )?full
\b(?:over|exceed(?:ed|s|ing)?) (?:the |their |his |her |its |allowed |disk |storage |mailbox |mail )*quota
\bquota (?:exceeded|full|reached)
\bdisk quota\b
(?:inbox|mailbox|account) is (?:out of storage|over (?:its |their )?(?:quota|limit|capacity))
out of storage space
(?:mailbox|mail box|user'?s?) (?:size )?(?:limit )?(?:exceeded|exceeds)
number of messages .{0,40}exceeded
too many messages in (?:the |this )?(?:mailbox|folder)
(?:mailbox|user) is over
overquota|quotaexceeded
"""

_SUSPEND = r"""
\b(?:account|mailbox|user|address|recipient)\b.{0,40}
+\b(?:disabled|suspended|deactivated|frozen|locked|closed|terminated)\b
\b(?:disabled|suspended|deactivated|locked|inactive|frozen) (?:recipient|user|account|mailbox|address)
\b(?:account|mailbox|recipient) (?:is |was |has been )?(?:temporar(?:il)?y )?(?:blocked|bloque)
compte du destinataire est bloqu
"""

_INACTIVE = r"""
\b(?:account|mailbox|address) (?:is |has been )?inactive\b
\binactive (?:e-?mail )?(?:account|address)
"""

_DNS_TEMPORARY = r"""
host not found, try again
dns query failed
malformed or unexpected name server reply
host name lookup failure
"""

_POLICYVIOLATION = r"""
content (?:presents|poses) a potential
\bspoof(?:ed|ing)?\b
\b(?:security|local|site|e-?mail|mail|administrative|organi[sz]ation'?s?) polic(?:y|ies)\b
(?:policy|policies) (?:violation|reasons?)
violat\w* .{0,30}polic
denied by policy
protocol violation
\bheader error\b
prohibited (?:attachment|content|file)
\bcontent (?:restrictions?|polic(?:y|ies))\b
\bhas a polic(?:y|ies) that (?:prohibit|block|reject|forbid|den(?:y|ie))
"""

_NOTCOMPLIANTRFC = r"""
(?:missing|without|no) (?:a )?(?:valid )?(?:address in )?(?:the )?from:? header
not rfc ?\d* ?compliant
\brfc ?(?:5322|2822|822)\b
multiple (?:addresses in )?(?:from|subject|sender|date|message-id|to)\b.{0,20}header
"""

_CONTENTERROR = r"""
\b(?:invalid|malformed|broken) mime\b
(?:rejected|refused|blocked)\b.{0,40}\battachment
attachment\b.{0,40}\bnot (?:allowed|permitted|accepted)
improper use of 8-?bit
8-?bit data
duplicate header
too many (?:received|headers)
media error
(?:header|mime) .{0,30}(?:syntax|invalid|malformed|broken)
"""


# The order of the tries: first match wins (see the module docstring).
_TABLE: Sequence[tuple[Reason, bool, str]] = (
    (Reason.SPAMDETECTED, _STRONG, _SPAM_VERDICT),
    (Reason.VIRUSDETECTED, _STRONG, _VIRUSDETECTED),
    (Reason.AUTHFAILURE, _STRONG, _AUTHFAILURE),
    (Reason.REQUIREPTR, _STRONG, _REQUIREPTR),
    (Reason.FILTERED, _STRONG, _FILTERED),
    (Reason.NORELAYING, _STRONG, _NORELAYING),
    (Reason.REJECTED, _STRONG, _REJECTED),
    (Reason.BADREPUTATION, _STRONG, _BADREPUTATION),
    (Reason.BLOCKED, _STRONG, _BLOCKED),
    (Reason.SPEEDING, _STRONG, _RATE_LIMITED),
    (Reason.SPAMDETECTED, _STRONG, _SPAM),
    (Reason.SPAMDETECTED, _STRONG, FOREIGN_SPAM),
    (Reason.SPAMDETECTED, _WEAK, _CONTENT_REFUSED),
    (Reason.TOOMANYCONN, _STRONG, _TOOMANYCONN),
    (Reason.TOOMANYCONN, _STRONG, FOREIGN_TOOMANYCONN),
    (Reason.SPEEDING, _STRONG, _SPEEDING),
    (Reason.MESGTOOBIG, _STRONG, _MESGTOOBIG),
    (Reason.EXCEEDLIMIT, _WEAK, _EXCEEDLIMIT),
    (Reason.SYSTEMFULL, _STRONG, _SYSTEMFULL),
    (Reason.MAILBOXFULL, _STRONG, _MAILBOXFULL),
    (Reason.MAILBOXFULL, _STRONG, FOREIGN_MAILBOXFULL),
    (Reason.SUSPEND, _STRONG, _SUSPEND),
    (Reason.SUSPEND, _STRONG, FOREIGN_SUSPEND),
    (Reason.SUSPEND, _WEAK, _INACTIVE),
    (Reason.HASMOVED, _STRONG, HASMOVED),
    (Reason.NOTACCEPT, _STRONG, NOTACCEPT),
    (Reason.NETWORKERROR, _STRONG, _DNS_TEMPORARY),
    (Reason.HOSTUNKNOWN, _STRONG, HOSTUNKNOWN),
    (Reason.HOSTUNKNOWN, _WEAK, UNROUTABLE),
    (Reason.USERUNKNOWN, _STRONG, FOREIGN_USERUNKNOWN),
    (Reason.USERUNKNOWN, _STRONG, USERUNKNOWN_STATED),
    (Reason.USERUNKNOWN, _STRONG, USERUNKNOWN),
    (Reason.POLICYVIOLATION, _STRONG, _POLICYVIOLATION),
    (Reason.NOTCOMPLIANTRFC, _STRONG, _NOTCOMPLIANTRFC),
    (Reason.CONTENTERROR, _STRONG, _CONTENTERROR),
    (Reason.SECURITYERROR, _STRONG, transport.SECURITYERROR),
    (Reason.SECURITYERROR, _WEAK, transport.ACCESS_DENIED),
    (Reason.MAILERERROR, _STRONG, transport.PIPE),
    (Reason.SYSTEMERROR, _STRONG, transport.SYSTEMERROR),
    (Reason.NETWORKERROR, _STRONG, transport.LOOP),
    (Reason.EXPIRED, _STRONG, transport.TIMED_OUT),
    (Reason.NETWORKERROR, _STRONG, transport.NETWORKERROR),
    (Reason.EXPIRED, _STRONG, transport.EXPIRED),
    (Reason.NETWORKERROR, _STRONG, transport.REFUSED_BY_HOST),
    (Reason.BLOCKED, _STRONG, transport.REFUSED),
    (Reason.BLOCKED, _WEAK, transport.BLOCKED_BARE),
    (Reason.SYNTAXERROR, _STRONG, transport.SYNTAXERROR),
    (Reason.MAILERERROR, _STRONG, transport.MAILERERROR),
    (Reason.ONHOLD, _STRONG, transport.ONHOLD),
    (Reason.UNDEFINED, _STRONG, transport.NOTHING_KNOWN),
)


def _patterns(block: str) -> list[str]:
    """The patterns of a block: one per line; a line starting with "+" continues the one above."""
    patterns: list[str] = []
    for line in block.strip().splitlines():
        if line.startswith("+") and patterns:
            patterns[-1] += line[1:]
        elif line.strip():
            patterns.append(line.strip())
    return patterns


_STATED = (FOREIGN_USERUNKNOWN, USERUNKNOWN_STATED)

# The table, screened (`textscan.screen`): one scan of the text finds the plain strings the
# patterns need, and only the patterns those allow are searched, group by group in order.
# Patterns are written in lower case and searched in the lower-cased text, which is faster
# than case-insensitive matching.
_SCREENED = ScreenedTable(
    (TextVerdict(reason, strong, block not in _STATED, block == USERUNKNOWN_STATED), _patterns(block))
    for reason, strong, block in _TABLE
)


# An e-mail address in the text is no wording: "barracuda-nsu@example.com: User unknown" names
# no blocklist. Addresses are blanked before the tables are searched.
_ADDRESS = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")


def reason_from_text(text: str | None) -> TextVerdict | None:
    """The first reason whose wording the diagnostic uses, or None."""
    folded = fold_text(text)
    if not folded:
        return None
    if "@" in folded:
        folded = _ADDRESS.sub("<@>", folded)
    return _SCREENED.first(folded.lower())
