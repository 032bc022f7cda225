"""Wording about delivery rather than refusal: loops, time-outs, the network, expiry, protocol,
and the receiving system's own state (its failures, its demands for authentication or TLS).

The later rows of `classify.reasons`' ordered table: an MTA's account of what happened on the
way (a routing loop, a connection that timed out or was refused, a message that waited in the
queue too long, a command the server did not understand, a local program that failed) rather
than a receiver's verdict on the address or the sender. They come after the verdicts because
MTAs often append them to the real cause ("mailbox is full: retry timeout exceeded"). Same
format as `classify.reasons`: one pattern a line, lower case, "+" continuing the line above.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_DENIED",
    "BLOCKED_BARE",
    "EXPIRED",
    "LOOP",
    "MAILERERROR",
    "NETWORKERROR",
    "NOTHING_KNOWN",
    "ONHOLD",
    "PIPE",
    "REFUSED",
    "REFUSED_BY_HOST",
    "SECURITYERROR",
    "SYNTAXERROR",
    "SYSTEMERROR",
    "TIMED_OUT",
]

LOOP = r"""
routing loop|mail loop|loops? back to myself|too many hops|hop count exceeded
"""

TIMED_OUT = r"""
timed? ?out
\btimeout\b(?! exceeded)
"""

NETWORKERROR = r"""
\b(?:domain|destination|mail server|mail host) (?:is )?(?:unreachable|not reachable)\b
(?:network|connection) (?:error|failure|problem|lost|reset|dropped)
no route to host
(?:network|host) (?:is )?unreachable
(?:unable|failed|could not|couldn'?t|wasn'?t able) to (?:establish|open|make) (?:an? )?(?:smtp )?connection
(?:dns|name server|nameserver|name service) (?:error|failure|lookup (?:error|failure|failed))
\bconnect(?:\(\))? to \S{1,255}(?: \S{1,64})?: connection refused
"""

EXPIRED = r"""
(?:message|envelope|delivery time|delivery period) (?:has )?expired
retry (?:time(?:out)?|period) (?:exceeded|expired)
(?:could not|couldn'?t|unable to|not) (?:be )?deliver(?:ed)?
+ .{0,40}(?:for|within|in|after) (?:the last )?\d+
could not be delivered for too long
delivery failed \d+ attempts
been failing for a long time
(?:in|on) the queue too long|too long in (?:the )?queue
\bgiving up\b|\bgave up\b
will be deleted from (?:the )?queue
\bgr[ae]y-?list(?:ed|ing)\b
remote host is not responding
did not accept our requests to connect
"""

# Sendmail's own word for a TCP connection the host refused (nobody listening on port 25):
# a network failure, unless the text also says it gave up (expired, above).
REFUSED_BY_HOST = r"""
\bdeferred: connection refused by\b
"""

REFUSED = r"""
connection refused
"""

BLOCKED_BARE = r"""
(?:^|[\s:-])blocked\b(?! by the recipient)
"""

SYNTAXERROR = r"""
syntax error
improper (?:command )?sequence|bad sequence of commands
command (?:not recogni[sz]ed|unrecogni[sz]ed|not implemented)|unrecogni[sz]ed command
parameter not implemented
malformed address
line too long
"""

MAILERERROR = r"""
mailer (?:error|program)
(?:program|pipe|command) .{0,40}(?:exited|terminated|died|failed) with
(?:exit|return) (?:code|status) \d+
failed to (?:read|open|execute) .{0,80}(?:template|file|program|script)
^(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$
"""

PIPE = r"""
(?:^|[\s"<(])\|\s*(?:exec\b|/|[\w.-]+/)
"""

NOTHING_KNOWN = r"""
delivery report unavailable
no (?:further |more )?(?:details|information) (?:is |are )?available
"""

ONHOLD = r"""
\bon hold\b
"""

SECURITYERROR = r"""
authentication (?:is )?required
must (?:authenticate|be authenticated)
unauthenticated senders? not allowed
delivery not authori[sz]ed
\bauthrequired\b
(?:tls|encryption|starttls) (?:is )?required
must issue a starttls
"""

ACCESS_DENIED = r"""
access denied
not authori[sz]ed
"""

SYSTEMERROR = r"""
\bmailbox (?:is )?(?:temporarily )?busy\b
isn'?t in my control/locals file
(?:internal|system|server|local) (?:server |system )?(?:error|failure|problem)
temporary (?:server|system|local) (?:error|failure|problem)
transaction failed
service (?:currently |temporarily )?unavailable
(?:unable|could not|cannot) (?:to )?(?:contact|connect to|reach) (?:the )?(?:ldap|database|directory)
could not load
(?:configuration|config) error|misconfigured
(?:server|host|system) (?:does not|doesn'?t) support (?:tls|starttls|ssl|encryption)
insufficient permission
duplicated message-id
"""
