"""Documented replies of the large mailbox providers (see documented.py).

Each reply is the documented text with the documented code; where a page documents only a
code and its meaning, or a key phrase, the reply carries them in the receiver's usual reply
form (host name, IP address, reference numbers made up for these tests). Addresses are
example.com, the sending IP is 127.0.0.1, the sending domain is localhost.
"""

from __future__ import annotations

from documented import Documented, Receiver

GMAIL = Receiver(
    "Gmail / Google Workspace",
    (
        "Google Workspace Admin Help, 'Gmail SMTP errors and codes', "
        "https://support.google.com/a/answer/3726730 (last updated 2026-02-12)",
    ),
    (
        Documented(
            "gmail-nouser",
            "RCPT",
            "550-5.1.1 The email account that you tried to reach does not exist. Please\r\n"
            "550-5.1.1 double-check the recipient's email address for typos or\r\n"
            "550 5.1.1 unnecessary spaces. For more information, go to Fix bounced or "
            "rejected emails. a1b2c3 - gsmtp",
            "userunknown",
        ),
        Documented(
            "gmail-inactive",
            "RCPT",
            "550-5.2.1 The email account that you tried to reach is inactive. For more\r\n"
            "550 5.2.1 information, go to https://support.google.com/mail/?p=DisabledUser d4e5 - gsmtp",
            "suspend",
        ),
        Documented(
            "gmail-inbox-full",
            "RCPT",
            "452-4.2.2 The recipient's inbox is out of storage space. Please direct the\r\n"
            "452 4.2.2 recipient to Manage files in your Google Drive storage. f6g7 - gsmtp",
            "mailboxfull",
            deferred=True,
        ),
        Documented(
            "gmail-inbox-inactive",
            "RCPT",
            "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please\r\n"
            "552 5.2.2 direct the recipient to Manage files in your Google Drive storage. h8i9 - gsmtp",
            "mailboxfull",
        ),
        Documented(
            "gmail-ptr-temp",
            "RCPT",
            "451-4.7.23 127.0.0.1 The sending IP address for this message doesn't have a\r\n"
            "451-4.7.23 PTR record, or the PTR record's forward DNS entry doesn't match the\r\n"
            "451-4.7.23 sending IP address. To protect users from spam, your email has been\r\n"
            "451 4.7.23 temporarily rate limited. j1k2 - gsmtp",
            "requireptr",
            deferred=True,
        ),
        Documented(
            "gmail-unauth",
            "DATA",
            "550-5.7.26 This email has been blocked because the sender is unauthenticated.\r\n"
            "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\r\n"
            "550-5.7.26 Authentication results: DKIM = did not pass SPF [localhost] with\r\n"
            "550-5.7.26 ip: [127.0.0.1] = did not pass. For instructions on setting up\r\n"
            "550 5.7.26 authentication, go to Email sender guidelines. l3m4 - gsmtp",
            "authfailure",
        ),
        Documented(
            "gmail-spf-fail",
            "DATA",
            "550-5.7.26 The (E)MAIL FROM domain [localhost] has an SPF record with a hard\r\n"
            "550-5.7.26 fail policy (-all) but it fails to pass SPF checks with the ip:\r\n"
            "550-5.7.26 [127.0.0.1]. To best protect our users from spam and phishing, the\r\n"
            "550 5.7.26 message has been blocked. n5o6 - gsmtp",
            "authfailure",
        ),
        Documented(
            "gmail-dkim",
            "DATA",
            "550-5.7.30 This message was blocked because it didn't pass DKIM\r\n"
            "550-5.7.30 authentication. Gmail requires bulk email senders to authenticate\r\n"
            "550-5.7.30 their email with DKIM. Authentication results: DKIM = did not pass\r\n"
            "550 5.7.30 p7q8 - gsmtp",
            "authfailure",
        ),
        Documented(
            "gmail-rate-ip",
            "RCPT",
            "421-4.7.28 Gmail has detected an unusual rate of email originating from your\r\n"
            "421-4.7.28 IP address 127.0.0.1. To protect our users from spam, email sent\r\n"
            "421-4.7.28 from your IP address has been temporarily rate limited. To review\r\n"
            "421 4.7.28 our bulk email senders guidelines, go to Email sender guidelines. r9s0 - gsmtp",
            "speeding",
            deferred=True,
        ),
        Documented(
            "gmail-domain-reputation",
            "DATA",
            "550-5.7.1 This message is likely suspicious due to the very low reputation of\r\n"
            "550-5.7.1 the sending domain. To best protect our users from spam, the message\r\n"
            "550 5.7.1 has been blocked. t1u2 - gsmtp",
            "badreputation",
        ),
        Documented(
            "gmail-unsolicited",
            "DATA",
            "550-5.7.1 This message is likely unsolicited email. To reduce the amount of\r\n"
            "550-5.7.1 spam sent to Gmail, this message has been blocked. For more\r\n"
            "550 5.7.1 information, go to Why has Gmail blocked my messages? v3w4 - gsmtp",
            "spamdetected",
        ),
        # Google's "File types blocked in Gmail" (support.google.com/mail/answer/6590), which the
        # reply points to: a precaution by the content guidelines (executable file types,
        # macros, password-protected archives, some links), not a virus found: a policy refusal.
        Documented(
            "gmail-security",
            "DATA",
            "552-5.7.0 This message was blocked because its content presents a potential\r\n"
            "552-5.7.0 security issue. To review our message content and attachment content\r\n"
            "552 5.7.0 guidelines, go to File types blocked in Gmail. x5y6 - gsmtp",
            "policyviolation",
        ),
        Documented(
            "gmail-size",
            "DATA",
            "552-5.3.4 Your message exceeded Google's message size limits. To view our\r\n"
            "552-5.3.4 message size guidelines, go to Send attachments with your Gmail\r\n"
            "552 5.3.4 message. z7a8 - gsmtp",
            "mesgtoobig",
        ),
        Documented(
            "gmail-gcdp",
            "DATA",
            "550 5.7.1 This message violates example.com email policy. - gcdp b9c0 - gsmtp",
            "policyviolation",
        ),
        Documented(
            "gmail-rfc",
            "DATA",
            "550-5.7.1 Messages missing a valid Message-ID: header are not accepted. For\r\n"
            "550-5.7.1 more information, go to Email sender guidelines and review RFC 5322\r\n"
            "550 5.7.1 specifications. d1e2 - gsmtp",
            "notcompliantrfc",
        ),
    ),
)

MICROSOFT = Receiver(
    "Microsoft 365 / Outlook.com",
    (
        "Outlook.com Postmaster, 'Troubleshooting', SMTP Error Codes table, "
        "https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx",
        "Microsoft Learn, 'Email non-delivery reports and SMTP errors in Exchange Online', "
        "https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/"
        "non-delivery-reports-in-exchange-online (and its pages for 5.1.1, 5.4.1, 5.7.509)",
        "S3150 block-list reply as published in mailop and sender guides citing "
        "http://mail.live.com/mail/troubleshooting.aspx#errors",
    ),
    (
        Documented(
            "msft-recipnotfound", "RCPT", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "userunknown"
        ),
        # Directory-based edge blocking: the address is not in the tenant's directory.
        Documented(
            "msft-dbeb",
            "RCPT",
            "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
            "[AM4PEPF00027A5F.eurprd04.prod.outlook.com]",
            "userunknown",
        ),
        Documented(
            "msft-mailbox-full",
            "DATA",
            "554 5.2.2 mailbox full; "
            "STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded",
            "mailboxfull",
        ),
        Documented(
            "msft-dmarc-reject",
            "DATA",
            "550 5.7.509 Access denied, sending domain localhost does not pass DMARC verification "
            "and has a DMARC policy of reject.",
            "authfailure",
        ),
        Documented(
            "msft-s3150",
            "MAIL",
            "550 5.7.1 Unfortunately, messages from [127.0.0.1] weren't sent. Please contact your "
            "Internet service provider since part of their network is on our block list (S3150). "
            "You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. "
            "[DB3EUR04FT007.eop-eur04.prod.protection.outlook.com]",
            "blocked",
        ),
        Documented(
            "msft-rp001",
            "RCPT",
            "421 RP-001 The mail server IP connecting to Outlook.com server has exceeded the rate "
            "limit allowed. Reason for rate limitation is related to IP/domain reputation. If you "
            "are not an email/network admin please contact your Email/Internet Service Provider for help.",
            "speeding",
            deferred=True,
        ),
        Documented(
            "msft-sc001",
            "DATA",
            "550 SC-001 Mail rejected by Outlook.com for policy reasons. Reasons for rejection may "
            "be related to content with spam-like characteristics or IP/domain reputation. If you "
            "are not an email/network admin please contact your Email/Internet Service Provider for help.",
            "policyviolation",
        ),
        Documented(
            "msft-sc004",
            "RCPT",
            "550 SC-004 Mail rejected by Outlook.com for policy reasons. A block has been placed "
            "against your IP address because we have received complaints concerning mail coming "
            "from that IP address. We recommend enrolling in our Junk Email Reporting Program "
            "(JMRP), a free program intended to help senders remove unwanted recipients from "
            "their email list.",
            "blocked",
        ),
        Documented(
            "msft-dy001",
            "RCPT",
            "550 DY-001 Mail rejected by Outlook.com for policy reasons. We generally do not "
            "accept email from dynamic IP's as they are not typically used to deliver "
            "unauthenticated SMTP email to an Internet mail server. For more information, "
            "Spamhaus maintains lists of dynamic and residential IP addresses.",
            "blocked",
        ),
        Documented(
            "msft-ou001",
            "RCPT",
            "550 OU-001 Mail rejected by Outlook.com for policy reasons. If you are not an "
            "email/network admin please contact your Email/Internet Service Provider for help. "
            "For more information about this block and to request removal please go to: Spamhaus.",
            "blocked",
        ),
        Documented(
            "msft-5-7-515",
            "DATA",
            "550 5.7.515 Mail rejected by Outlook.com for policy reasons. Messages from domains "
            "sending over 5,000 emails per day to Outlook.com accounts must be authenticated "
            "with SPF, DKIM, and DMARC (p=none or p=reject) to be accepted.",
            "authfailure",
        ),
    ),
)

YAHOO = Receiver(
    "Yahoo / AOL",
    (
        "Yahoo Sender Hub, 'SMTP Error Codes', https://senders.yahooinc.com/smtp-error-codes/ "
        "(categories and the sample failure notice)",
        "Yahoo Help, '4xx SMTP error codes', https://help.yahoo.com/kb/SLN26151.html",
        "reply forms as collected by https://smtp.codes/yahoo and a list of provider bounce "
        "texts at http://www.sitepackage.de/service/dokumentation/auswertung/"
        "typische-fehlermeldungen-bei-unzustellbarkeit.html",
    ),
    (
        Documented(
            "yahoo-nouser",
            "RCPT",
            "554 delivery error: dd This user doesn't have a yahoo.com account ({address}) [-5] "
            "- mta123.mail.mud.yahoo.com",
            "userunknown",
        ),
        Documented(
            "yahoo-disabled",
            "RCPT",
            "554 delivery error: dd Sorry your message to {address} cannot be delivered. This "
            "account has been disabled or discontinued [#102]. - mta1010.mail.gq1.yahoo.com",
            "suspend",
        ),
        Documented(
            "yahoo-tss09",
            "RCPT",
            "421 4.7.0 [TSS09] All messages from 127.0.0.1 will be permanently deferred; Retrying "
            "will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
            "blocked",
            deferred=True,
        ),
        Documented(
            "yahoo-bl23",
            "RCPT",
            "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL; see "
            "https://postmaster.yahooinc.com/error-codes",
            "blocked",
        ),
        Documented(
            "yahoo-ph01",
            "DATA",
            "554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit "
            "https://postmaster.yahooinc.com/error-codes",
            "policyviolation",
        ),
        # The MAIL FROM domain does not resolve (SOA lookup): the sender's address is refused.
        Documented(
            "yahoo-unresolvable",
            "MAIL",
            "451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see "
            "https://postmaster.yahooinc.com/error-codes",
            "rejected",
            deferred=True,
        ),
    ),
)

ICLOUD = Receiver(
    "Apple iCloud",
    (
        "Apple Support, 'Postmaster information for iCloud Mail', https://support.apple.com/102322 "
        "(replies carry a reason and a URL)",
        "reply texts as collected by https://smtp.codes/icloud",
    ),
    (
        Documented("icloud-nouser", "RCPT", "550 5.1.1 <{address}>: user does not exist", "userunknown"),
        Documented(
            "icloud-cs01",
            "DATA",
            "550 5.7.1 [CS01] Message rejected due to local policy. Please visit "
            "https://support.apple.com/en-us/HT204137",
            "policyviolation",
        ),
        Documented(
            "icloud-dmarc",
            "DATA",
            "550 5.7.1 Your message was rejected due to localhost DMARC policy.",
            "authfailure",
        ),
        Documented(
            "icloud-dbl",
            "DATA",
            "550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus "
            "DBL -- see https://www.spamhaus.org/dbl/",
            "blocked",
        ),
    ),
)

COMCAST = Receiver(
    "Comcast / Xfinity",
    (
        "Comcast Postmaster, 'Mail delivery error codes', "
        "http://postmaster.comcast.net/mail-error-codes.aspx and "
        "'Understand email error messages and their codes' (smtp-error-codes.php)",
        "Xfinity Support, 'Email error codes', https://es.xfinity.com/support/articles/email-errors",
    ),
    (
        Documented(
            "comcast-bl000001",
            "RCPT",
            "554 resimta-po-27v.sys.comcast.net comcast 127.0.0.1 found on one or more DNSBLs, "
            "see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
            "blocked",
        ),
        Documented(
            "comcast-es000010",
            "RCPT",
            "554 resimta-po-27v.sys.comcast.net comcast 127.0.0.1 You have been blocked from "
            "sending to the Comcast network because we have determined that you are sending "
            "email from dynamic/residential IP space. ES000010",
            "blocked",
        ),
        Documented(
            "comcast-rdns",
            "RCPT",
            "421 resimta-po-27v.sys.comcast.net [Reverse DNS failure : Try again later]",
            "requireptr",
            deferred=True,
        ),
        Documented(
            "comcast-sessions",
            "RCPT",
            "421 resimta-po-27v.sys.comcast.net [Too many sessions opened]",
            "toomanyconn",
            deferred=True,
        ),
    ),
)

UNITED_INTERNET = Receiver(
    "GMX / web.de / 1&1",
    (
        "WEB.DE Postmaster, 'Fehlermeldungen', https://postmaster.web.de/de/fehlermeldungen",
        "GMX Newsroom, 'Unzustellbar: Was tun, wenn E-Mails beim Empfänger nicht ankommen?', "
        "https://newsroom.gmx.net/2017/09/28/unzustellbar-fehlermeldungen-email/",
        "IONOS Hilfe, 'Fehlermeldungen bei unzustellbarer E-Mail', https://www.ionos.de/hilfe/e-mail/"
        "problemloesungen-mail-basicmail-business/fehlermeldungen-bei-unzustellbarer-e-mail/",
        "reply forms as collected by https://smtp.codes/unitedinternet/ and the sitepackage.de list",
    ),
    (
        # IONOS: "Die E-Mail-Adresse existiert nicht auf diesem Server."
        Documented(
            "gmx-unavailable",
            "RCPT",
            "550 Requested action not taken: mailbox unavailable",
            "userunknown",
        ),
        Documented("gmx-unknown-de", "RCPT", "550 Benutzer nicht bekannt/User unknown", "userunknown"),
        Documented(
            "gmx-quota",
            "RCPT",
            "552 Requested mail action aborted: exceeded storage allocation, Quota exceeded",
            "mailboxfull",
        ),
        Documented(
            "gmx-storage-de",
            "RCPT",
            "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed "
            "storage space.",
            "mailboxfull",
        ),
        Documented("gmx-inactive", "RCPT", "550 5.2.1 <{address}>: User is inactive", "suspend"),
        Documented(
            "gmx-spf",
            "MAIL",
            "550 <{address}>: Reject due to SPF policy. The originating IP of the message is not "
            "permitted by the domain owner",
            "authfailure",
        ),
        Documented(
            "gmx-rate", "RCPT", "421 Rate limit reached. Please try again later", "speeding", deferred=True
        ),
    ),
)
