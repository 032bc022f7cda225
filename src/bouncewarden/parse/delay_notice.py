"""Delay notices: the mail is still being tried, nothing has failed yet.

MTAs warn the sender when a message waits in their queue: Exim's warn_message_file ("has
not yet been delivered ... No action is required on your part"), Postfix's delay template
("THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE"), sendmail's "THIS IS A
WARNING MESSAGE ONLY" banner, Exchange's "Delivery to the following recipients has been
delayed", and their translations. A DSN says so in its Action field ("delayed"); a plain
text says it in these words, and its findings are then delays (kind `delay`, soft), not
failures.
"""

from __future__ import annotations

import re

from bouncewarden.classify.screen import ScreenedPattern, folded_for_screen
from bouncewarden.parse.message import BounceMessage

__all__ = ["is_delay_notice"]

# Screened (`classify.screen`): searched only where the text holds one of its words.
_WARNING = ScreenedPattern.compile(
    r"warning (?:message )?only|(?:do|need) not need to resend|not need to resend|has been delayed"
    r"|(?:has|have) not yet been delivered|still (?:being )?(?:retried|undelivered|trying)"
    r"|will (?:keep|continue) (?:on )?(?:trying|to try)|delivery attempts will continue"
    r"|will be retried (?:for|until)|no action is required on your part"
    r"|nur eine warnung|nicht erneut senden|wurde verz[öo]gert|weiterhin versucht"
    r"|versucht die zustellung weiterhin"
    r"|ceci n'est qu'un avertissement|pas besoin de renvoyer|a [ée]t[ée] retard[ée]e"
    r"|solo (?:es )?una advertencia|no es necesario que vuelva a enviar|ha sido retrasad"
    r"|solo un avviso|[èe] stat[ao] ritardat|dit is (?:alleen )?een waarschuwing|is vertraagd",
    re.IGNORECASE,
)
_FINAL = re.compile(
    r"permanent(?:ly)? (?:error|fail)|have given up|giving up|gave up|will not be retried", re.I
)


def is_delay_notice(message: BounceMessage) -> bool:
    """Whether the plain text says delivery is still being tried (and nothing gave up)."""
    text = message.text[:6000]
    return _WARNING.search(text, folded_for_screen(text)) is not None and _FINAL.search(text) is None
