"""Documented replies of the filtering services in front of many receivers (see documented.py)."""

from __future__ import annotations

from documented import Documented, Receiver

MIMECAST_REF = "https://community.mimecast.com/docs/DOC-1369"

MIMECAST = Receiver(
    "Mimecast",
    (
        "Mimecast Knowledge, 'Mimecast SMTP Error Codes', "
        "https://community.mimecast.com/s/article/Mimecast-SMTP-Error-Codes-842605754 and "
        "https://mimecastsupport.zendesk.com/hc/en-us/articles/34000709564691-Policies-Mimecast-SMTP-Error-Codes",
    ),
    (
        Documented(
            "mimecast-invalid",
            "RCPT",
            f"550 Invalid Recipient - {MIMECAST_REF}#550 [Y7ab3cDeF12gH4iJkL5mNo.uk123]",
            "userunknown",
        ),
        Documented(
            "mimecast-security",
            "DATA",
            f"554 Email rejected due to security policies - {MIMECAST_REF}#554 [De8fGhIj.uk126]",
            "spamdetected",
        ),
        Documented(
            "mimecast-dmarc",
            "DATA",
            f"550 DMARC Sender Invalid - envelope rejected - {MIMECAST_REF}#550 [Kl9mNoPq.uk127]",
            "authfailure",
        ),
    ),
)

PROOFPOINT = Receiver(
    "Proofpoint",
    (
        "Proofpoint Postmaster portal, https://www.proofpoint.com/postmaster, and its IP "
        "reputation check https://ipcheck.proofpoint.com named in its block replies",
        "Proofpoint Essentials SPF rejection as published at "
        "https://www.404andmore.com/proofpoint-essentials-fixing-the-550-5-7-1-spf-rejected-error/",
    ),
    (
        Documented(
            "proofpoint-spf",
            "MAIL",
            "550 5.7.1 Message rejected per sender's SPF policy - OXSUS001_514",
            "authfailure",
        ),
    ),
)

BARRACUDA = Receiver(
    "Barracuda",
    (
        "Barracuda Campus, Email Security Gateway 'SMTP Error Codes', "
        "https://campus.barracuda.com/doc/39815000",
        "Barracuda replies with their meanings as collected by https://smtp.codes/550 (Barracuda)",
        "MIT CSAIL TIG, 'host blocked using Barracuda reputation', "
        "http://tig.csail.mit.edu/wiki/TIG/EmailBlockedByBarracuda",
    ),
    (
        Documented(
            "barracuda-nsu",
            "RCPT",
            "550 cuda_nsu 5.1.1 <{address}> Recipient address rejected: User unknown",
            "userunknown",
        ),
        Documented(
            "barracuda-blocked",
            "DATA",
            "550 permanent failure for one or more recipients ({address}:blocked)",
            "blocked",
        ),
        Documented("barracuda-spoof", "DATA", "550 rejecting spoofed message", "policyviolation"),
    ),
)

CISCO = Receiver(
    "Cisco Secure Email (IronPort)",
    (
        "Cisco Secure Email (AsyncOS) User Guide, mail flow policies: the default SMTP responses "
        "of the BLOCKED policy and of the recipient-per-hour limit; LDAP accept query rejection",
        "Cisco Tech Note 118214, REJECT and TCPREFUSE connection behaviours, "
        "https://cisco.com/c/en/us/support/docs/security/email-security-appliance/118214-configure-esa-00.html",
        "AsyncOS SPF and DMARC verification profiles' default rejections, as listed by Broadcom "
        "KB 162445, https://knowledge.broadcom.com/external/article/162445",
    ),
    (
        Documented(
            "cisco-reputation",
            "MAIL",
            "554 Your access to this mail system has been rejected due to the sending MTA's poor "
            "reputation. If you believe that this failure is in error, please contact the intended "
            "recipient via alternate means.",
            "badreputation",
        ),
        # The recipient is not in the directory the LDAP accept query asks.
        Documented("cisco-ldap", "RCPT", "550 #5.1.0 Address rejected.", "userunknown"),
        Documented(
            "cisco-dmarc", "DATA", "550 #5.7.1 DMARC unauthenticated mail is prohibited.", "authfailure"
        ),
    ),
)

TREND_MICRO = Receiver(
    "Trend Micro",
    (
        "Trend Micro Business Support, 'Frequently Asked Questions (FAQs) about messages blocked "
        "by Email Reputation Services (ERS)', https://success.trendmicro.com/solution/1097055",
        "Trend Micro Deep Discovery Email Inspector 5.1 Online Help, 'SMTP Error Codes', "
        "https://docs.trendmicro.com/en-us/documentation/article/"
        "deep-discovery-email-inspector-51-online-help-smtp-error-codes",
    ),
    (
        Documented(
            "trend-ers",
            "RCPT",
            "550 Service unavailable; Client host [127.0.0.1] blocked using Trend Micro RBL+. "
            "Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=127.0.0.1",
            "blocked",
        ),
        Documented(
            "trend-zombie",
            "RCPT",
            "450 Temporary denial of connection (450) for Zombie matches (ERS)",
            "blocked",
            deferred=True,
        ),
        Documented(
            "trend-sender-filter",
            "RCPT",
            "521 Block permanently (Sender Filtering/Authentication)",
            "blocked",
        ),
    ),
)

SOPHOS = Receiver(
    "Sophos",
    (
        "Sophos Central Admin help, Email Security, 'SMTP error codes', "
        "https://docs.sophos.com/central/customer/help/en-us/ManageYourProducts/EmailSecurity/"
        "SMTPErrorCodes/index.html",
    ),
    (
        Documented(
            "sophos-nomailbox",
            "RCPT",
            "550 XGEMAIL_0011 Message rejected because the recipient's email address doesn't "
            "exist in the Sophos Email protected domain.",
            "userunknown",
        ),
        Documented("sophos-rbl", "RCPT", "550 XGEMAIL_0004 Sender IP address failed an RBL test.", "blocked"),
        Documented("sophos-dmarc", "DATA", "550 XGEMAIL_0003 Message failed a DMARC check.", "authfailure"),
        Documented(
            "sophos-rate",
            "RCPT",
            "550 XGEMAIL_0014 Message rejected because it exceeded the recipient's inbound rate "
            "limit for the single sender.",
            "speeding",
        ),
    ),
)

SYMANTEC = Receiver(
    "Broadcom MessageLabs (Symantec.cloud)",
    (
        "Symantec.cloud support centre, 'Troubleshooting' (bounce messages of Email "
        "Security.cloud), http://www.symanteccloud.com/nl/nl/supportcentre/information/r_troublshooting",
        "Broadcom KB 177117, 'Email Sent from an External Mailer Is Blocked by Symantec "
        "Messaging Gateway or Email Security.cloud', https://knowledge.broadcom.com/external/article/177117",
    ),
    (
        Documented(
            "symc-policy",
            "MAIL",
            "501 Connection rejected by policy [7.7] 20805, please visit "
            "www.symanteccloud.com/troubleshooting for more details about this error message.",
            "blocked",
        ),
        Documented("symc-invalid", "RCPT", "550 Invalid recipient <{address}> (#5.1.1)", "userunknown"),
    ),
)
