"""The scripted remote side of generate.py: an SMTP server and a DNS responder on 127.0.0.1.

`ScriptedRemote` (an aiosmtpd handler, run on 127.0.0.1:2525) answers MAIL, RCPT and DATA
from `REPLIES`, chosen by the start of the address's local part. `LoopbackResolver`
answers the DNS questions of postfix's chrooted smtp client on 127.0.0.1:53. The replies
copy the style of Postfix, RBL, Gmail, Microsoft, Yahoo and iCloud refusals as their public
error pages describe them; every text here was written for these tests. The documented replies
of eighteen receivers and filters (receivers.py) follow them.
"""

from __future__ import annotations

import socket
import threading

from aiosmtpd.smtp import SMTP, Envelope, Session
from receivers import DOCUMENTED

REMOTE_PORT = 2525
REFUSED_PORT = 2599  # nothing listens here: "connection refused"

# The remote server's replies: (local-part prefix, SMTP stage, reply). The first prefix
# that matches wins, so longer prefixes come first. Stage "RCPT" answers the RCPT TO
# command, "DATA" accepts the recipient and refuses the message after its content, "MAIL"
# refuses the envelope sender (the case sends from <case>@localhost, an alias of bwsender).
REPLIES: tuple[tuple[str, str, str], ...] = (
    (
        "unknown-virtual",
        "RCPT",
        "550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table",
    ),
    (
        "unknown-gmail",
        "RCPT",
        "550-5.1.1 The email account you tried to reach does not exist. Please check\r\n"
        "550-5.1.1 the recipient's address for typos or unnecessary spaces. See\r\n"
        "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1b2c3 - gsmtp",
    ),
    (
        "unknown-microsoft",
        "RCPT",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {address} not found by SMTP address lookup",
    ),
    (
        "unknown-yahoo",
        "RCPT",
        "554 delivery error: dd This user doesn't have a example.com account ({address}) "
        "[0] - mta7.mail.example.com",
    ),
    ("full-plain", "RCPT", "552 5.2.2 Mailbox full"),
    (
        "full-gmail",
        "DATA",
        "552-5.2.2 The recipient's inbox is out of storage space and cannot accept\r\n"
        "552-5.2.2 new messages. Please ask the recipient to free up space. See\r\n"
        "552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm d4e5f6 - gsmtp",
    ),
    (
        "disabled-yahoo",
        "RCPT",
        "554 delivery error: dd Sorry your message to {address} cannot be delivered. "
        "This mailbox is disabled (554.30). - mta7.mail.example.com",
    ),
    ("moved", "RCPT", "551 5.1.6 User not local; please try <new-address@example.org>"),
    (
        "spam-rbl",
        "RCPT",
        "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using "
        "zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1",
    ),
    (
        "blocked-microsoft",
        "RCPT",
        "550 5.7.1 Unfortunately, messages from [127.0.0.1] weren't sent. Please contact "
        "your Internet service provider since part of their network is on our block list "
        "(S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
    ),
    (
        "relay-denied",
        "RCPT",
        "554 5.7.1 <{address}>: Relay access denied",
    ),
    (
        "ptr-gmail",
        "RCPT",
        "550-5.7.25 The IP address sending this message does not have a PTR record\r\n"
        "550-5.7.25 set up, or the PTR record does not match the IP address. See\r\n"
        "550 5.7.25  https://support.google.com/mail/answer/81126#ip-rdns g7h8 - gsmtp",
    ),
    ("rate-limit", "RCPT", "421 4.7.0 Too many messages, try again later"),
    ("greylist", "RCPT", "450 4.2.0 <{address}>: Recipient address rejected: Greylisted, try again later"),
    ("policy-content", "DATA", "550 5.7.1 Message rejected due to content restrictions"),
    (
        "auth-dmarc-gmail",
        "DATA",
        "550-5.7.26 Unauthenticated email from localhost is not accepted due to\r\n"
        "550-5.7.26 the sender domain's DMARC policy. Please contact the administrator\r\n"
        "550-5.7.26 of localhost. To learn more, see\r\n"
        "550 5.7.26  https://support.google.com/mail/answer/2451690 i9j0 - gsmtp",
    ),
    (
        "auth-spf-microsoft",
        "DATA",
        "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
    ),
    (
        "auth-yahoo",
        "DATA",
        "550 5.7.9 This mail has been blocked because the sender is unauthenticated. "
        "Yahoo requires all senders to authenticate with either SPF or DKIM.",
    ),
    ("spam-content", "DATA", "554 5.7.1 Message rejected as spam by content filter"),
    ("virus", "DATA", "554 5.7.0 Message rejected: virus found (Eicar-Test-Signature)"),
    ("too-big", "DATA", "552 5.3.4 Message size exceeds fixed maximum message size"),
    (
        "spam-gmail",
        "DATA",
        "550-5.7.1 Our system has detected that this message is likely unsolicited\r\n"
        "550-5.7.1 mail. To reduce the amount of spam, this message has been blocked.\r\n"
        "550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError k1l2 - gsmtp",
    ),
    (
        "reputation-gmail",
        "DATA",
        "550-5.7.1 [127.0.0.1] This message is likely suspicious due to the very low\r\n"
        "550-5.7.1 reputation of the sending IP address. To protect our users from spam,\r\n"
        "550 5.7.1 mail sent from your IP address has been blocked. m3n4 - gsmtp",
    ),
    (
        "disabled-gmail",
        "RCPT",
        "550-5.2.1 The email account that you tried to reach is disabled.\r\n"
        "550 5.2.1  https://support.google.com/mail/?p=DisabledUser o5p6 - gsmtp",
    ),
    (
        "banned-ip-microsoft",
        "RCPT",
        "550 5.7.606 Access denied, banned sending IP [127.0.0.1]. To request removal from "
        "this list please visit https://sender.office.com/ and follow the directions.",
    ),
    (
        "busy-microsoft",
        "RCPT",
        "451 4.7.500 Server busy. Please try again later from [127.0.0.1]. (S77714)",
    ),
    (
        "volume-yahoo",
        "RCPT",
        "421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected "
        "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
    (
        "policy-yahoo",
        "DATA",
        "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes",
    ),
    (
        "dnsbl-yahoo",
        "RCPT",
        "553 5.7.1 [BL21] Connections will not be accepted from 127.0.0.1, because the ip "
        "is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
    ),
    ("blocked-apple", "RCPT", "550 5.7.0 Blocked - see https://support.apple.com/en-us/HT204137"),
    (
        "policy-microsoft",
        "RCPT",
        "550 5.7.1 The user or domain that you are sending to (or from) has a policy that "
        "prohibited the mail that you sent. Please contact your system administrator.",
    ),
    (
        "sender-unknown",
        "RCPT",
        "550 5.1.0 <bwsender@localhost>: Sender address rejected: User unknown in local recipient table",
    ),
    (
        "blacklisted-ip",
        "RCPT",
        "554 5.7.1 <{address}>: Recipient address rejected: Your IP 127.0.0.1 is blacklisted",
    ),
    ("unknown-after-data", "DATA", "550 5.1.1 <{address}>: user unknown"),
    ("spam-several", "DATA", "554 5.7.1 Message rejected as spam by content filter"),
    (
        "sender-rejected",
        "MAIL",
        "553 5.1.8 <{address}>: Sender address rejected: Domain not found",
    ),
)


# The receivers' and filters' documented replies (receivers.py), after the earlier ones.
REPLIES += tuple((reply.prefix, reply.stage, reply.reply) for reply in DOCUMENTED)


def reply_for(address: str, stage: str) -> str | None:
    """The scripted reply to `address` at `stage`, or None to accept."""
    local = address.split("@", 1)[0].lower()
    for prefix, rule_stage, reply in REPLIES:
        if local.startswith(prefix):
            return reply.format(address=address) if rule_stage == stage else None
    return None


class ScriptedRemote:
    """aiosmtpd handler answering MAIL, RCPT and DATA from `REPLIES`."""

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = reply_for(address, "MAIL")
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = reply_for(address, "RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for address in envelope.rcpt_tos:
            reply = reply_for(address, "DATA")
            if reply is not None:
                return reply
        return "250 2.0.0 Ok: queued as 4B3C2D1E0F"


NXDOMAIN = "no-such-domain.example"  # the one name the loopback resolver says does not exist


class LoopbackResolver:
    """A DNS responder on 127.0.0.1:53 for postfix's chrooted lookups: "no such name"
    (NXDOMAIN) for names under `NXDOMAIN`, "server failure" (SERVFAIL, try again later)
    for every other name. It prints each question, to show where the lookups went."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 53))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                query, client = self._socket.recvfrom(512)
            except OSError:
                return
            if len(query) < 12:
                continue
            end = query.index(0, 12) + 5 if 0 in query[12:] else len(query)
            labels, at = [], 12
            while at < len(query) and query[at]:
                labels.append(query[at + 1 : at + 1 + query[at]].decode("ascii", "replace"))
                at += 1 + query[at]
            name = ".".join(labels).lower()
            rcode = 3 if name == NXDOMAIN or name.endswith("." + NXDOMAIN) else 2
            print(f"dns: {name} from {client[0]} -> {'NXDOMAIN' if rcode == 3 else 'SERVFAIL'}", flush=True)
            flags = 0x8180 | rcode  # a response, recursion desired and available
            header = query[:2] + flags.to_bytes(2, "big") + b"\x00\x01\x00\x00\x00\x00\x00\x00"
            self._socket.sendto(header + query[12:end], client)
