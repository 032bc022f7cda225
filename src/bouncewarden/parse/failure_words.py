"""How non-delivery reports say that mail failed, in the languages they are written in.

`FAILURE_WORDS` finds an error next to an address in a plain-text bounce: an SMTP reply
code (RFC 5321 4xx/5xx), an enhanced status (RFC 3463 4.x.x/5.x.x), or wording NDRs use,
from the texts MTAs document (qmail's QSBMF, Exim's and Postfix's bounce templates,
sendmail, Exchange, Domino, GroupWise, CommuniGate, Courier, MDaemon, Kerio) and their
German, French, Spanish, Italian, Dutch, Portuguese, Scandinavian, Finnish, Hungarian,
Turkish, Russian, Polish, Czech, Japanese and Chinese translations.
`NDR_SUBJECT` finds a subject that announces one ("Undeliverable:", "Unzustellbar:",
"Non remis :", "Onbestelbaar:", ...), `NDR_SENDER` a From that writes them (MAILER-DAEMON,
postmaster, "Mail Delivery System", "System Administrator", ...).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bouncewarden.parse.message import BounceMessage

__all__ = ["FAILURE_WORDS", "NDR_SENDER", "NDR_SUBJECT", "looks_like_ndr"]

FAILURE_WORDS = re.compile(
    r"(?<![\w.])[45]\d\d(?![\d.])|(?<![\w.])[45]\.\d{1,3}\.\d{1,3}|unknown|not exist|no such|invalid"
    r"|reject|refused|denied|fail|full|quota|disabled|unavailable|not found|undeliver|not listed"
    r"|blocked|timed? ?out|expired|did not reach|could not|couldn't|cannot|can't|unable to|not delivered"
    r"|n't (?:be )?delivered|not be delivered|wasn't|was not|undelivered|bounced|returned|not able to"
    r"|too (?:large|big|many)|exceed|size limit|limit exceeded"
    r"|did not receive|not received|not known|not (?:a )?valid|not allowed|not permitted|locked"
    r"|has moved|moved to"
    r"|no account|not have an account|do not relay|spam|virus|black-?list|block-?list|listed"
    # delay notices name their recipients in these words
    r"|delayed|deferred|not yet been delivered|still undelivered|retrying|will be retried"
    r"|not accept|no longer|no mailbox|not reached|too long|storage limit|count limit|over limit"
    r"|discontinued|closed|inactive|suspended|deactivated|unrouteable|unroutable|problem|error"
    # German, French, Spanish, Italian, Dutch, Portuguese, Scandinavian
    r"|unbekannt|nicht zugestellt|unzustellbar|voll|nicht erreicht|existiert nicht|fehlgeschlagen|abgelehnt"
    r"|inconnu|pas pu [eê]tre|n'existe pas|plein|impossible|refus|non remis|[ée]chec|pas encore [ée]t[ée]"
    r"|retard|verz[öo]ger"
    r"|desconocido|no existe|no se (?:ha )?pudo|no (?:ha )?pod?ido|no pudo|lleno|rechazad|no entregad"
    r"|sconosciut|inesistente|non [èe] stat|piena|non recapitat|rifiutat"
    r"|onbekend|bestaat niet|kon niet|niet worden afgeleverd|onbestelbaar|vol\b"
    r"|desconhecid|inexistente|n[ãa]o p[ôo]de|cheia|n[ãa]o entregue|inv[áa]lid|n[ãa]o foi poss[íi]vel"
    r"|kunde inte|okänd|ukendt|ukjent|kunne ikke|ikke levert"
    r"|ei voitu|nem siker|teslim edilemedi"
    # Russian, Polish, Czech, Japanese, Chinese
    r"|не удалось|не может быть доставлено|не существует|недоставлен"
    r"|nie może|nie istnieje|nie zosta|nelze doručit"
    r"|配信できません|宛先不明|存在しません|届きません|失敗|エラー|无法投递|无法送达|不存在|退信|失败",
    re.IGNORECASE,
)

NDR_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (?:status|fail|notification|problem|report)|failure notice"
    r"|non[- ]?deliver|nondeliver|could not be delivered|not delivered|mail delivery failed|bounce"
    r"|rejected|delivery has failed|warning: could not send|undelivered|delivery failure|failed mail"
    r"|\bdelayed\b|\(delay\)|not yet delivered"
    r"|unzustellbar|nicht zustellbar|nicht zugestellt|unzustellbare|fehlgeschlagen|zustellungsfehler"
    r"|non remis|non distribu|[ée]chec de (?:la )?(?:remise|distribution)|impossible de remettre"
    r"|no entregad|no se pudo entregar|devuelto|non recapitat|mancata consegna|onbestelbaar"
    r"|niet afgeleverd|n[ãa]o entregue|n[ãa]o (?:foi )?poss[íi]vel entregar|kunde inte levereras"
    r"|ikke levert|kunne ikke leveres|retur",
    re.IGNORECASE,
)

NDR_SENDER = re.compile(
    r"mailer[-_ ]?daemon|postmaster|mail delivery|mail ?administrator|mailadmin|system administrator"
    r"|mail ?system|postm[äa]st|postmeister|mail[-_ ]?(?:server|gateway|router)",
    re.IGNORECASE,
)


def looks_like_ndr(message: BounceMessage) -> bool:
    """Whether the From or the Subject says the message is a non-delivery report."""
    return NDR_SENDER.search(message.sender) is not None or NDR_SUBJECT.search(message.subject) is not None
