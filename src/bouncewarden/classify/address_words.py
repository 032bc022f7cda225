"""How receivers say that an address cannot receive mail, in English, per reason.

The mailbox has moved, the domain accepts no mail or does not exist, there is no route to the
address, the user does not exist. `classify.reasons` places these blocks in its ordered table
beside the other groups and reads them the same way (one pattern a line, lower case, a line
starting with "+" continuing the one above); other languages' wording for the same meanings is
in `classify.foreign`. Two blocks say "no such user": `USERUNKNOWN_STATED`, the address's state
in so many words, and `USERUNKNOWN`, the canned replies that per-recipient filters reuse too
(`classify.decide` weighs them differently).
"""

from __future__ import annotations

__all__ = ["HASMOVED", "HOSTUNKNOWN", "NOTACCEPT", "UNROUTABLE", "USERUNKNOWN", "USERUNKNOWN_STATED"]

# "Unroutable address": no route for the address; a parser that knows the domain is local (where
# it means no such user) says so in its hint, which a weak group gives way to.
UNROUTABLE = r"""
\bunroute?able (?:address|recipient)\b
\baddress (?:is )?unroute?able\b
"""

HASMOVED = r"""
no longer on (?:this )?server
(?:mailbox|address|user|recipient) has (?:been )?(?:moved|changed)
no forwarding address
not our customer
"""

NOTACCEPT = r"""
\bhas no (?:mx(?: records?)?|mail ?servers?|mail exchangers?)\b
\bnot (?:configured|set up) to (?:receive|accept) (?:e-?mail|mail)
\bnull mx\b
(?:does not|doesn'?t|do not) (?:receive|accept) (?:e-?mail|mail|messages)(?! (?:over|via|from|by|with)\b)
no (?:mx|mail exchanger)(?: record)?s? (?:found )?for
couldn'?t find a mail exchanger
mx or srv record indicated no smtp service
host/domain does not accept mail
"""

HOSTUNKNOWN = r"""
\bhost (?:or domain name )?(?:not found|unknown)\b
\bunknown host\b
\bdomain (?:name )?(?:not found|does not exist|doesn'?t exist|unknown|is not valid)
\bno such domain\b
\bnxdomain\b
\binvalid domain\b(?! name)
\bunrout(?:e)?able (?:mail )?domain
illegal host
bad destination (?:system|host)
(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+\.? does not exist
dns lookup failure
"""

# The address's state in so many words: it does not exist, cannot be found, is marked invalid.
# Unlike the canned "User unknown" below, a permanent reply that says this needs no proof of
# the SMTP stage (`classify.decide`).
USERUNKNOWN_STATED = r"""
\b(?:address|recipient|user|mailbox|account|addressee)\b[^.;]{0,30}\bmarked as invalid\b
\b(?:address|recipient|user|mailbox|account|addressee)\b[^.;]{0,30}
+\b(?:cannot|can'?t|could not|couldn'?t) be found
\b(?:user|recipient|mailbox|account|address|addressee|local[- ]part|userid|destination)\b[^.;]{0,50}?
+\b(?<!may )(?<!might )(?:does(?: not|n'?t) exist|no longer exists)
\b(?:invalid|non-?existent) (?:recipient|mailbox)\b
\b(?:mailbox|recipient|user|address|account) (?:was |is )?not found\b
"""

USERUNKNOWN = r"""
recipient address rejected: access denied
\b(?:user|recipient|mailbox|account|address|addressee|local[- ]part|userid|destination)\b[^.;]{0,50}?
+\b(?<!may )(?<!might )(?:unknown|not (?:found|known|exist|listed|valid|recogni[sz]ed)|does(?: not|n'?t) exist
+|is (?:not valid|invalid)|no longer (?:exists|valid))
\b(?:unknown|invalid|non-?existent|no such|bad|illegal|not a valid) (?!address error)(?:e-?mail )?
+(?:user(?:id| ?name)?|recipients?|mailbox|account|address|local[- ]?part|alias
+|destination(?: mailbox)?(?: address)?|final delivery userid)\b
no (?:such )?(?:mailbox|user|account|recipient) (?:here|by that name|found)
no valid recipients?
mailbox unavailable
recip(?:ient)?notfound
doesn'?t have an? .{1,60} account
there is no one at this address
(?:recipient|destination) address rejected(?:\.|\s*$|\s*\()
(?:^|: |\d )address rejected
destinataire invalide
"""
