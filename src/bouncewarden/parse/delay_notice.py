"""Delay and success notices: the mail is still being tried, or got through; nothing failed.

MTAs warn the sender when a message waits in their queue: Exim's warn_message_file ("has
not yet been delivered ... No action is required on your part"), Postfix's delay template
("THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE"), sendmail's "THIS IS A
WARNING MESSAGE ONLY" banner, Exchange's "Delivery to the following recipients has been
delayed", and their translations. A DSN says so in its Action field ("delayed"); a plain
text says it in these words, and its findings are then delays (kind `delay`, soft), not
failures.

Success notices (RFC 3461 NOTIFY=SUCCESS answered in plain text, Postfix's "Your message was
successfully delivered to the destination(s) listed below", Exchange's "Delivery to these
recipients or groups is complete") list recipients with a 2xx reply: their findings are
deliveries (kind `delivery`), unless the same text also reports a failure.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.textscan.screen import ScreenedPattern, folded_for_screen

__all__ = ["is_delay_notice", "is_success_notice"]

# Both notices say so at the top of their text.
_WINDOW = 4000

# The patterns are written in lower case and searched in the text folded for screening
# (`textscan.screen.folded_for_screen`: lower case, the four look-alikes `re` matches to ASCII
# letters made ASCII), which finds what a case-insensitive search of the text finds and is
# several times faster. Screened (`textscan.screen`): searched only where the folded text holds
# one of its words.
_WARNING = ScreenedPattern.compile(
    r"warning (?:message )?only|(?:do|need) not need to resend|not need to resend|has been delayed"
    r"|(?:has|have) not yet been delivered|still (?:being )?(?:retried|undelivered|trying)"
    r"|will (?:keep|continue) (?:on )?(?:trying|to try)|delivery attempts will continue"
    r"|will be retried (?:for|until)|no action is required on your part"
    r"|nur eine warnung|nicht erneut senden|wurde verz[öo]gert|weiterhin versucht"
    r"|versucht die zustellung weiterhin"
    r"|ceci n'est qu'un avertissement|ceci est un avertissement|pas besoin de renvoyer"
    r"|a [ée]t[ée] retard[ée]e"
    r"|pas encore [ée]t[ée] (?:remis|distribu|livr)|continuer(?:ons|a) (?:d'|à )essayer"
    r"|solo (?:es )?una advertencia|no es necesario que vuelva a enviar|ha sido retrasad"
    r"|solo un avviso|[èe] stat[ao] ritardat|dit is (?:alleen )?een waarschuwing|is vertraagd"
)
_FINAL = re.compile(r"permanent(?:ly)? (?:error|fail)|have given up|giving up|gave up|will not be retried")


def is_delay_notice(message: BounceMessage) -> bool:
    """Whether the plain text says delivery is still being tried (and nothing gave up)."""
    folded = folded_for_screen(message.text[:_WINDOW])
    return _WARNING.search(folded) is not None and _FINAL.search(folded) is None


_SUCCESS = ScreenedPattern.compile(
    r"successfully delivered|delivery (?:to (?:these|the following) [^.\n]*)?(?:was |is |has been )?"
    r"(?:successful|succeeded|complete)|(?:has|have) been delivered to the following"
    r"|erfolgreich zugestellt|remis avec succ[eè]s|entregado correctamente|consegnato correttamente"
)
_FAILED = re.compile(
    r"could not be delivered|couldn't be delivered|not be delivered|undeliverable|not delivered"
    r"|unable to deliver"
    r"|delivery (?:has )?failed|failed permanently|permanent (?:error|failure)|fatal error|rejected"
)


def is_success_notice(message: BounceMessage) -> bool:
    """Whether the plain text reports delivery (and reports no failure beside it)."""
    folded = folded_for_screen(message.text[:_WINDOW])
    return _SUCCESS.search(folded) is not None and _FAILED.search(folded) is None
