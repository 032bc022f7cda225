"""Diagnostic wording in languages other than English, per reason.

Providers that answer in their customers' language (GMX, WEB.DE and T-Online in German, Orange
and La Poste in French, Telefonica and Terra in Spanish and Portuguese, Libero and Aruba in
Italian, Mail.ru and Yandex in Russian, QQ, NetEase and Sina in Chinese, the Japanese carriers
and ISPs in Japanese, Interia, Onet and WP in Polish, Seznam in Czech, Turkish ISPs) and local
MTAs configured with translated templates say the same few things: the address does not exist,
the mailbox is full, the account is disabled, the message is taken for spam, the sending server
opened too many connections. Each block here is
one such meaning, written from the words those languages use for it (the nouns for user,
recipient, address, mailbox, account; the verbs and adjectives for unknown, not existing, not
found, full, disabled), never from one sample's sentence. `classify.reasons` places the blocks
in its ordered table beside their English counterparts, and reads them the same way: one
pattern a line, lower case, a line starting with "+" continuing the one above.
"""

from __future__ import annotations

__all__ = [
    "FOREIGN_MAILBOXFULL",
    "FOREIGN_SPAM",
    "FOREIGN_SUSPEND",
    "FOREIGN_TOOMANYCONN",
    "FOREIGN_USERUNKNOWN",
]

FOREIGN_SPAM = r"""
(?:uznan[aoy]?|oznaczon[aoy]?|rozpoznan[aoy]?) (?:jako|za) spam
als spam (?:eingestuft|erkannt|markiert|klassifiziert|bewertet)
\bspamverdacht
(?:considéré|considere|identifié|identifie|détecté|detecte|classé|classe|qualifié)
+ comme (?:un )?(?:spam|pourriel)
(?:considerado|identificado|detectado|clasificado|marcado|classificado) como (?:correo )?(?:spam|no deseado)
(?:considerat[oa]|identificat[oa]|rilevat[oa]|classificat[oa]) come spam
\bспам
垃圾邮件|垃圾郵件|迷惑メール
"""

FOREIGN_TOOMANYCONN = r"""
\btrop de (?:connexions|sessions)
\bzu viele (?:verbindungen|gleichzeitige verbindungen|sitzungen)
\bdemasiadas conex(?:iones|ões)|\bconexões (?:demais|em excesso)|\bmuitas conexões simultâneas
\btroppe connessioni
\b(?:zbyt wiele|za dużo|za duzo) (?:połączeń|polaczen)
слишком много (?:соединений|подключений|сессий)
\bte veel (?:verbindingen|gelijktijdige verbindingen)
连接数过多|连接过多|並列接続数|接続数が多すぎ
"""

FOREIGN_MAILBOXFULL = r"""
\bskrzynka\b.{0,30}(?:pełna|pelna|przepełniona|przepelniona)
\bschránka\b.{0,20}\b(?:je )?plná
\bposta kutusu\b.{0,20}\bdolu
(?:postfach|mailbox|speicher\w*)\b.{0,40}\b
+(?:voll|überfüllt|ueberfuellt|überschritten|ueberschritten|erschöpft|erschoepft)
\b(?:boite|boîte)\b.{0,40}\b(?:pleine|saturée|saturee)
\b(?:quota|cuota|cota|quotum)\b.{0,20}\b(?:dépassé|depasse|atteint|excedid[oa]|superad[oa]|superat[oa]
+|esaurit[oa]|esgotad[oa]|overschreden|bereikt)
espace de stockage .{0,30}\b(?:plein|insuffisant|dépassé|depasse)
\b(?:buzón|buzon|casella|caixa(?: postal| de correio| de entrada)?)\b.{0,30}\b(?:llen[oa]|complet[oa]|pien[ao]
+|satur[ao]|cheia|lotada)
\bspazio (?:esaurito|insufficiente)
\b(?:mailbox|postbus)\b.{0,20}\bis vol\b
(?:ящик|квот)[а-я]*.{0,30}(?:переполнен|превышен|заполнен)
(?:空间|空間|容量)(?:不足|已满|已滿)|(?:邮箱|郵箱|信箱)(?:已满|已滿|满了)
(?:容量|メールボックス)[^。]{0,20}(?:一杯|いっぱい|超過|超え|不足)
"""

FOREIGN_SUSPEND = r"""
\b(?:konto|skrzynka)\b.{0,30}(?:zablokowan|zawieszon|wyłączon)
\b(?:postfach|konto|benutzerkonto|account)\b.{0,30}\b(?:gesperrt|deaktiviert|stillgelegt)
\b(?:compte|boite|boîte)\b.{0,30}\b(?:désactivée?|desactivee?|suspendue?|bloquée?|bloquee?)
\b(?:cuenta|buzón|buzon|casella|conta|caixa postal)\b.{0,30}\b(?:desactivad[oa]|suspendid[oa]
+|deshabilitad[oa]|disabilitat[oa]|sospes[oa]|disattivat[oa]|desativad[oa]|suspens[oa])
(?:ящик|аккаунт|учетн[а-я]* запис)[а-я]*.{0,30}(?:заблокирован|отключен)
(?:邮箱|账号|帐号|账户|用户)(?:已)?(?:被)?(?:冻结|停用|禁用|锁定)
"""

FOREIGN_USERUNKNOWN = r"""
\b(?:konto|adres|użytkownik|uzytkownik|skrzynka|odbiorca)\b.{0,30}
+(?:nie istnieje|nie został[oa]? znalezion|nieznan)
\b(?:uživatel|adresa|schránka|účet)\b.{0,30}\bneexistuje
\bkullanıcı (?:bulunamadı|yok)|\b(?:adres|hesap)\b.{0,20}\bbulunamadı
\b(?:benutzer|empfänger|empfaenger|adresse|postfach|nutzer|mailbox)\b.{0,30}\b(?:unbekannt|existiert nicht
+|nicht vorhanden|nicht bekannt|ungültig|ungueltig|nicht gefunden)
\bunbekannte[rs]? (?:benutzer|empfänger|empfaenger|adresse|postfach)
\b(?:utilisateur|destinataire|adresse|boite|boîte|compte)\b.{0,30}\b(?:inconnue?|inexistante?|n'?existe pas
+|introuvable)
\b(?:usuario|usuário|utilizador|destinatario|destinatário|buzón|buzon|cuenta|conta|dirección|direccion
+|endereço|endereco|caixa postal)\b.{0,30}\b(?:desconocid[oa]|desconhecid[oa]|no existe|não existe|nao existe
+|inexistente|no encontrad[oa]|não encontrad[oa]|nao encontrad[oa])
\b(?:utente|destinatario|casella|indirizzo)\b.{0,30}\b(?:sconosciut[oa]|inesistente|non esiste|non trovat[oa])
\b(?:gebruiker|ontvanger|adres|postbus)\b.{0,30}\b(?:onbekend|bestaat niet|niet gevonden)
\bonbekende (?:gebruiker|ontvanger)
(?:пользовател|адрес|получател|ящик|аккаунт)[а-я]*.{0,30}
+(?:не найден|не существует|неизвест|не зарегистрирован)
нет такого (?:пользователя|адреса|ящика)
(?:用户|用戶|收件人|邮箱|郵箱|帐号|账号|帳號|地址)名?(?:不存在|未找到|无效|無效)|查无此人
(?:アドレス|ユーザ|宛先|アカウント|メールボックス)[^。]{0,20}(?:存在しません|存在しない|見つかりません|不明)
存在しない(?:ユーザ|アドレス|宛先)
"""
