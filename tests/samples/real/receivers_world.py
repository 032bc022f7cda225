"""Documented replies of mailbox providers outside the US (see documented.py and receivers_mail.py)."""

from __future__ import annotations

from documented import Documented, Receiver

ORANGE = Receiver(
    "Orange",
    (
        "Orange OFR codes with their bilingual texts as collected by "
        "https://bentonow.com/smtp-errors/orange and "
        "https://www.postmastery.com/orange-postmaster-smtp-error-codes-ofr/ "
        "(Orange's own postmaster page, published 2024, is not in the search index)",
    ),
    (
        # OFR_999: the IP is suspended for two hours after earlier breaches.
        Documented(
            "orange-suspended",
            "RCPT",
            "421 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, "
            "please try later. OFR_999 [999]",
            "blocked",
            deferred=True,
        ),
    ),
)

MAILRU = Receiver(
    "Mail.ru",
    (
        "Mail.ru Help, DMARC for postmasters, https://help.mail.ru/mail-help/postmaster/dmarc "
        "(the reply is quoted at https://viws.ru/en/poterya-pochtovyh-soobshchenii-oshibki-"
        "pochtovoi-sistemy.html)",
        "'Популярные ошибки при отправке и доставке писем' (Mail.ru examples), https://mailout.ru/2015/09",
        "'Ошибка 550 spam message rejected', https://errorsmaster.ru/oshibka-550-spam-message-rejected",
    ),
    (
        Documented(
            "mailru-nouser",
            "RCPT",
            "550 Message was not accepted -- invalid mailbox. Local mailbox {address} is "
            "unavailable: user not found",
            "userunknown",
        ),
        Documented("mailru-quota", "RCPT", "552 Mailbox full: user quota exceeded", "mailboxfull"),
        Documented(
            "mailru-dmarc",
            "DATA",
            "550 5.7.1 This message was not accepted due to domain owner DMARC policy (RFC 7489) "
            "https://help.mail.ru/mail-help/postmaster/dmarc",
            "authfailure",
        ),
    ),
)

YANDEX = Receiver(
    "Yandex",
    (
        "Yandex Mail Help, 'Report on non-delivery to Yandex', "
        "https://yandex.com/support/mail/bounces/yandex.html",
        "Yandex Mail Help, 'The message looks like spam', "
        "https://yandex.com/support/mail/bounces/yandex/message-rejected-under-suspicion-of-spam.html",
    ),
    (
        Documented("yandex-nouser", "RCPT", "550 5.7.1 No such user!", "userunknown"),
        Documented(
            "yandex-spam",
            "DATA",
            "554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc 1733371200-AbCdEfGh",
            "spamdetected",
        ),
        Documented(
            "yandex-blocked",
            "RCPT",
            "554 5.7.1 [1] Client host [127.0.0.1] blocked using spamsource.mail.yandex.net; "
            "Blocked by spam statistics - see https://ya.cc/1IrBc",
            "blocked",
        ),
        Documented("yandex-full", "RCPT", "552 5.2.2 Mailbox size limit exceeded", "mailboxfull"),
    ),
)

QQ = Receiver(
    "QQ / Tencent",
    (
        "Tencent Exmail help pages cited by the replies (service.exmail.qq.com ... "
        "no=1000728, 1000726, 1000725; service.mail.qq.com ... no=1001508), as collected with "
        "their meanings by https://smtp.codes/qq",
        "QQ Mail bounce help, https://qqmailbox.com/transceivers/169.html",
    ),
    (
        Documented(
            "qq-content",
            "DATA",
            "550 Mail content denied. http://service.exmail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726",
            "spamdetected",
        ),
        Documented(
            "qq-dmarc",
            "DATA",
            "550 DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508&&id=16.",
            "authfailure",
        ),
        # The sender is on the recipient's own block list, or one of the recipient's filters matched.
        Documented("qq-rejected-by-rcpt", "RCPT", "550 Mail is rejected by recipients", "filtered"),
    ),
)

ZOHO = Receiver(
    "Zoho Mail",
    ("Zoho Mail replies with their meanings as collected by https://smtp.codes/zoho",),
    (
        Documented("zoho-unknown", "RCPT", "550 5.1.1 <{address}> User unknown", "userunknown"),
        Documented(
            "zoho-dmarc", "DATA", "550 5.7.1 Email rejected per DMARC policy for localhost", "authfailure"
        ),
        Documented(
            "zoho-virus",
            "DATA",
            "552 5.7.1 virus Eicar-Test-Signature detected by Zoho Mail",
            "virusdetected",
        ),
    ),
)
