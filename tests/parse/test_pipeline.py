"""The parse pipeline end to end: standard path, merge with the MTA text, fallback, refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bouncewarden.classify import OperatorRule
from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.parse import NotABounce, ParsedReport, RecipientFinding, Unparseable, parse_message
from bouncewarden.parse.merge import better_diagnostic, merge_findings


def _report(data: bytes) -> ParsedReport:
    result = parse_message(data)
    assert isinstance(result, ParsedReport), result
    return result


def test_rfc3464_report(sample: Callable[..., bytes]) -> None:
    report = _report(sample("rfc3464-01.eml"))
    [row] = report.recipients
    assert (row.address, row.action, row.status, row.reply_code, row.remote_mta) == (
        "userunknown@bouncehammer.jp",
        "failed",
        "5.1.1",
        "550",
        "mx.bouncehammer.jp",
    )
    assert row.diagnostic == "550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"
    assert report.message_id == "<201310160515.r9G5FZh9018575@smtpgw.example.jp>"
    assert report.original_message_id == "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>"
    assert report.original_sender == "kijitora@example.org"
    assert report.occurred_at == datetime(2013, 10, 16, 5, 15, 35, tzinfo=UTC)


def test_delay_notice(sample: Callable[..., bytes]) -> None:
    [row] = _report(sample("lhost-sendmail-29.eml")).recipients
    assert (row.kind, row.action, row.status) == (Kind.DELAY, "delayed", "4.5.0")
    # Nothing names the cause of the delay: all it says is that delivery time runs out.
    assert (row.reason, row.severity) == (Reason.EXPIRED, Severity.SOFT)


def test_an_operator_rule_outranks_the_uncaused_delay_default(sample: Callable[..., bytes]) -> None:
    rule = OperatorRule(pattern=r"^421 4\.5\.0\b", severity=Severity.SOFT, reason=Reason.ONHOLD)
    result = parse_message(sample("lhost-sendmail-29.eml"), [rule])
    assert isinstance(result, ParsedReport)
    assert result.recipients[0].reason is Reason.ONHOLD


def test_text_completes_status_part(sample: Callable[..., bytes]) -> None:
    # Postfix's text says which SMTP command was refused; its delivery-status part does not.
    report = _report(sample("lhost-postfix-05.eml"))
    assert report.parser.startswith("dsn+")
    assert "RCPT TO" in (report.recipients[0].diagnostic or "")


def test_broken_boundary_still_read(sample: Callable[..., bytes]) -> None:
    assert [r.address for r in _report(sample("rfc3464-04.eml")).recipients] == [
        "kijitora@mailx-53.neko.example.edu"
    ]


def test_same_result_for_any_line_ending(sample: Callable[..., bytes]) -> None:
    for name in ("rfc3464-01.eml", "arf-16.eml", "rhost-google-02.eml", "rfc3834-02.eml"):
        lf = _report(sample(name)).recipients
        assert lf == _report(sample(name, b"\r\n")).recipients == _report(sample(name, b"\r")).recipients


def test_operator_rule_wins(sample: Callable[..., bytes]) -> None:
    rule = OperatorRule(pattern=r"User Unknown", severity=Severity.SENDER)
    result = parse_message(sample("rfc3464-01.eml"), rules=[rule])
    assert isinstance(result, ParsedReport)
    assert result.recipients[0].severity in (Severity.SENDER, Severity.HARD)


def test_refusals_are_values() -> None:
    assert isinstance(parse_message(b""), Unparseable)
    assert isinstance(parse_message(b"   \n"), Unparseable)
    assert isinstance(parse_message(b"\x00\xff garbage without headers"), NotABounce)


def test_merge_prefers_specific_status_and_richer_diagnostic() -> None:
    status_part = [RecipientFinding("a@example.com", action="failed", status="5.0.0", diagnostic="failed")]
    text = [RecipientFinding("A@example.com", status="5.2.2", reply_code="552", diagnostic="552 5.2.2 full")]
    [merged] = merge_findings(status_part, text)
    assert (merged.address, merged.status, merged.reply_code, merged.diagnostic) == (
        "a@example.com",
        "5.2.2",
        "552",
        "552 5.2.2 full",
    )
    assert better_diagnostic("550 5.1.1 unknown", "unknown") == "550 5.1.1 unknown"
    assert better_diagnostic(None, "x") == "x"


def test_merge_makes_a_final_expiry_a_failure() -> None:
    # The part was written from a delay template; the text says the envelope expired for good.
    status_part = [RecipientFinding("a@example.com", action="delayed", status="4.4.7", kind=Kind.DELAY)]
    text = [
        RecipientFinding(
            "a@example.com", action="failed", status="4.4.7", diagnostic="expired", reason_hint=Reason.EXPIRED
        )
    ]
    [merged] = merge_findings(status_part, text)
    assert (merged.action, merged.kind, merged.status) == ("failed", Kind.BOUNCE, None)
    # An expiry the text reports as a delay stays a delay.
    still = [RecipientFinding("a@example.com", action="delayed", status="4.4.7", kind=Kind.DELAY)]
    text[0].action = "delayed"
    [delayed] = merge_findings(still, text)
    assert (delayed.action, delayed.kind, delayed.status) == ("delayed", Kind.DELAY, "4.4.7")


def test_merge_drops_a_generic_status_the_text_explains() -> None:
    def part(diagnostic: str | None) -> list[RecipientFinding]:
        return [RecipientFinding("a@example.com", action="failed", status="5.0.0", diagnostic=diagnostic)]

    hinted = [
        RecipientFinding("a@example.com", status="5.0.0", diagnostic="x", reason_hint=Reason.HOSTUNKNOWN)
    ]
    assert merge_findings(part(None), hinted)[0].status is None
    # A part with its own Diagnostic-Code keeps its status; so does one the text does not explain.
    assert merge_findings(part("550 5.0.0 no"), hinted)[0].status == "5.0.0"
    plain = [RecipientFinding("a@example.com", status="5.0.0", diagnostic="x")]
    assert merge_findings(part(None), plain)[0].status == "5.0.0"


def test_failure_without_status_gets_a_placeholder_naming_the_reason() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: failure notice\n\n"
        b"Hi. This is the qmail-send program at mx.example.net.\n"
        b"<reader@example.org>:\nSorry, no mailbox here by that name.\n"
    )
    report = _report(data)
    [row] = report.recipients
    assert row.address == "reader@example.org"
    assert row.status is not None and row.status.startswith("5.0.9")


def test_smtp_transcript_reads_the_later_refusal() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nTo: postmaster@mx.example.net\n"
        b"Subject: Postfix SMTP server: errors from client.example.org\n\n"
        b"Transcript of session follows.\n\n"
        b" In:  MAIL FROM:<list=example.com@bounce.example.net>\n Out: 250 2.1.0 Ok\n"
        b" In:  RCPT TO:<reader@example.org>\n Out: 250 2.1.5 Ok\n"
        b" In:  DATA\n Out: 354 End data\n Out: 451 4.3.0 Error: queue file write error\n"
    )
    [row] = _report(data).recipients
    assert (row.address, row.reply_code, row.status) == ("reader@example.org", "451", "4.3.0")


MTA_SAMPLES = Path(__file__).parents[1] / "samples"


def test_transcript_command_decides_an_unknown_user() -> None:
    # ">>> RCPT To:" answered "User unknown": the mailbox was refused (hard). After ">>> DATA"
    # a 5.2.1 "User Unknown" refuses the message, not the address (filtered, soft).
    rcpt = _report((MTA_SAMPLES / "v5sendmail" / "lhost-v5sendmail-03.eml").read_bytes())
    assert [(r.reason, r.severity) for r in rcpt.recipients] == [(Reason.USERUNKNOWN, Severity.HARD)]
    data = _report((MTA_SAMPLES / "sendmail" / "lhost-sendmail-02.eml").read_bytes())
    assert {r.address: r.reason for r in data.recipients} == {
        "userunknown@example.org": Reason.USERUNKNOWN,
        "filtered@example.com": Reason.FILTERED,
    }


def test_powermta_bounce_category_is_a_hint(sample: Callable[..., bytes]) -> None:
    [row] = _report(sample("lhost-powermta-01.eml")).recipients
    assert (row.status, row.reason, row.severity) == ("5.2.1", Reason.USERUNKNOWN, Severity.HARD)
    without = sample("lhost-powermta-01.eml").replace(b"X-PowerMTA-BounceCategory: bad-mailbox\n", b"")
    assert _report(without).recipients[0].reason is Reason.FILTERED


def test_mms_gateway_no_valid_recipients_is_an_unknown_user() -> None:
    [row] = _report((MTA_SAMPLES / "verizon" / "lhost-verizon-01.eml").read_bytes()).recipients
    assert (row.reason, row.severity) == (Reason.USERUNKNOWN, Severity.HARD)


def test_cpanel_cannot_route_message_is_an_unknown_host() -> None:
    # A hedge ("may not exist, may be blacklisted") names no verdict; Exim's router said it.
    [row] = _report((MTA_SAMPLES / "exim" / "lhost-exim-31.eml").read_bytes()).recipients
    assert (row.reason, row.severity, row.status) == (Reason.HOSTUNKNOWN, Severity.HARD, "5.0.912")


def test_domino_directory_miss_in_japanese_is_an_unknown_user() -> None:
    [row] = _report((MTA_SAMPLES / "domino" / "lhost-domino-02.eml").read_bytes()).recipients
    assert (row.reason, row.severity) == (Reason.USERUNKNOWN, Severity.HARD)
    # The delivery-status part's ISO-2022-JP Diagnostic-Code is decoded.
    assert row.diagnostic is not None and "Domino ディレクトリには見つかりません" in row.diagnostic


def test_local_delivery_program_output_leads_the_diagnostic() -> None:
    # mail.local says "unknown user" before sendmail's "554 ... Service unavailable".
    [local] = _report((MTA_SAMPLES / "sendmail" / "rfc3464-06.eml").read_bytes()).recipients
    assert (local.reason, local.severity) == (Reason.USERUNKNOWN, Severity.HARD)
    assert (local.diagnostic or "").startswith("mail.local: unknown user")
    # maildrop's "maildir over quota" is the cause behind "550 5.0.0 Insufficient permission".
    [quota] = _report((MTA_SAMPLES / "sendmail" / "lhost-sendmail-13.eml").read_bytes()).recipients
    assert (quota.reason, quota.severity) == (Reason.MAILBOXFULL, Severity.SOFT)


def test_a_pipe_recipient_failure_is_the_programs(sample: Callable[..., bytes]) -> None:
    # X-Actual-Recipient names the procmail pipe of an alias; nothing else says why.
    [row] = _report(sample("rfc3464-04.eml")).recipients
    assert (row.reason, row.severity) == (Reason.MAILERERROR, Severity.SOFT)


def test_au_reception_filter_verdict_header_is_filtered() -> None:
    data = (MTA_SAMPLES / "kddi" / "lhost-ezweb-01.eml").read_bytes()
    [row] = _report(data).recipients
    assert (row.reason, row.severity) == (Reason.FILTERED, Severity.SOFT)
    [plain] = _report(data.replace(b"X-SPASIGN: NG\n", b"")).recipients
    assert plain.reason is not Reason.FILTERED


def test_opensmtpd_expired_envelope_is_a_final_failure() -> None:
    # Written with the delay template ("Action: delayed", "Status: 4.4.7"), but the envelope
    # was deleted: a permanent failure whose placeholder names the reason.
    [row] = _report((MTA_SAMPLES / "opensmtpd" / "lhost-opensmtpd-06.eml").read_bytes()).recipients
    assert (row.kind, row.action, row.reason, row.status) == (
        Kind.BOUNCE,
        "failed",
        Reason.EXPIRED,
        "5.0.947",
    )


def test_opensmtpd_constant_status_gives_way_to_the_text() -> None:
    [row] = _report((MTA_SAMPLES / "opensmtpd" / "lhost-opensmtpd-10.eml").read_bytes()).recipients
    assert (row.reason, row.status) == (Reason.HOSTUNKNOWN, "5.0.912")


def test_gmail_client_state_names_the_command() -> None:
    # "(state 14)": the reply answered RCPT TO; "(state 18)": the DATA stage.
    data = (MTA_SAMPLES / "gmail" / "lhost-gmail-03.eml").read_bytes()
    reply = b"554 554 5.7.0 Header error (state 18)."

    def reason_for(replacement: bytes) -> Reason:
        [row] = _report(data.replace(reply, replacement)).recipients
        return row.reason

    assert reason_for(b"550 550 Unknown user kijitora@example.co.jp (state 14).") is Reason.USERUNKNOWN
    assert reason_for(b"550 550 Unknown user kijitora@example.co.jp (state 18).") is Reason.FILTERED


_EXIM_GAVE_UP = (
    b"From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: sender@example.com\n"
    b"Subject: Mail delivery failed: returning message to sender\n"
    b"X-Failed-Recipients: reader@example.org\n\n"
    b"This message was created automatically by mail delivery software.\n\n"
    b"A message that you sent could not be delivered to one or more of its\n"
    b"recipients. This is a permanent error. The following address(es) failed:\n\n"
    b"  reader@example.org\n    REASON\n\n"
    b"------ This is a copy of the message, including all the headers. ------\n\n"
    b"To: reader@example.org\nSubject: hello\n\nhello\n"
)


def test_exim_giving_up_after_retries_is_a_temporary_cause() -> None:
    # "retry timeout exceeded": every attempt met a temporary error until Exim gave up. The
    # report is final (a bounce), its placeholder status says the cause was temporary.
    [row] = _report(_EXIM_GAVE_UP.replace(b"REASON", b"retry timeout exceeded")).recipients
    assert (row.kind, row.reason, row.status) == (Kind.BOUNCE, Reason.EXPIRED, "4.0.947")
    [full] = _report(_EXIM_GAVE_UP.replace(b"REASON", b"mailbox is full: retry timeout exceeded")).recipients
    assert (full.reason, full.status) == (Reason.MAILBOXFULL, "4.0.922")
    # Without that, a failure that states no class gets a permanent placeholder.
    [other] = _report(
        _EXIM_GAVE_UP.replace(b"REASON", b"all relevant MX records point to non-existent hosts")
    ).recipients
    assert (other.reason, other.status) == (Reason.HOSTUNKNOWN, "5.0.912")


_OPENSMTPD_DELAY = (
    b"From: Mailer Daemon <MAILER-DAEMON@mx.example.net>\nTo: sender@example.com\n"
    b"Subject: Delivery status notification: delayed\n\n"
    b"    Hi!\n\n    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\n"
    b"    A message is delayed for more than 10 minutes for the following\n"
    b"    list of recipients:\n\n"
    b"reader@example.org: REASON\n\n"
    b"    Please note that this is only a temporary failure report.\n\n"
    b"    Below is a copy of the original message:\n\n"
    b"To: reader@example.org\nSubject: hello\n\nhello\n"
)


def test_a_delay_placeholder_class_follows_the_diagnostic_not_the_action() -> None:
    [plain] = _report(_OPENSMTPD_DELAY.replace(b"REASON", b"Network error on destination MXs")).recipients
    assert (plain.kind, plain.reason, plain.status) == (Kind.DELAY, Reason.NETWORKERROR, "5.0.944")
    worded = _OPENSMTPD_DELAY.replace(b"REASON", b"Network error on destination MXs (temporary)")
    assert _report(worded).recipients[0].status == "4.0.944"
    coded = _OPENSMTPD_DELAY.replace(b"REASON", b"421 Network error on destination MXs")
    assert _report(coded).recipients[0].status == "4.0.944"


_GMAIL = (
    b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: sender@example.com\n"
    b"Subject: Delivery Status Notification (Delay)\nX-Failed-Recipients: reader@example.org\n\n"
    b"This is an automatically generated Delivery Status Notification\n\n"
    b"Delivery to the following recipient has been delayed:\n\n     reader@example.org\n\n"
    b"Message will be retried for 2 more day(s)\n\n"
    b"Technical details of WHICH failure:\n"
    b"The recipient server did not accept our requests to connect.\n\n"
    b"----- Original message -----\n\nTo: reader@example.org\nSubject: hello\n\nhello\n"
)


def test_gmail_details_heading_names_the_failure_temporary_or_permanent() -> None:
    [temporary] = _report(_GMAIL.replace(b"WHICH", b"temporary")).recipients
    [permanent] = _report(_GMAIL.replace(b"WHICH", b"permanent")).recipients
    assert temporary.reason is permanent.reason is Reason.EXPIRED
    assert (temporary.status, permanent.status) == ("4.0.947", "5.0.947")


def test_a_generic_status_the_merge_drops_keeps_its_class() -> None:
    part = [RecipientFinding("a@example.com", action="failed", status="5.0.0")]
    text = [RecipientFinding("a@example.com", diagnostic="x", reason_hint=Reason.EXPIRED, temporary=True)]
    [merged] = merge_findings(part, text)
    assert (merged.status, merged.temporary) == (None, False)


_DOMINO = (
    b"From: Postmaster@example.org\nTo: sender@example.com\n"
    b"Subject: DELIVERY FAILURE: User reader (reader@example.org) not listed in Domino Directory\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
    b"--b1\nContent-Type: text/plain\n\n"
    b"Your message\n\n  Subject: hello\n\nwas not delivered to:\n\n  reader@example.org\n\n"
    b"because:\n\n  User reader (reader@example.org) not listed in Domino Directory\n\n"
    b"--b1\nContent-Type: message/delivery-status\n\n"
    b"Reporting-MTA: dns;mail.example.org\n\n"
    b"Final-Recipient: rfc822;FINAL\nAction: failed\nStatus: 5.0.0\n\n"
    b"--b1--\n"
)


def test_domino_reports_the_recipient_as_the_sender_addressed_it() -> None:
    # The delivery-status part names the address after Domino rewrote it; the text names
    # the one the sender used, which is the one to act on.
    [row] = _report(_DOMINO.replace(b"FINAL", b"reader@mail.example.org")).recipients
    assert (row.address, row.reason, row.severity) == (
        "reader@example.org",
        Reason.USERUNKNOWN,
        Severity.HARD,
    )
    [same] = _report(_DOMINO.replace(b"FINAL", b"reader@example.org")).recipients
    assert same.address == "reader@example.org"


def test_other_families_keep_the_final_recipient_of_the_part() -> None:
    part = [RecipientFinding("final@example.net", action="failed", status="5.1.1")]
    text = [RecipientFinding("written@example.org", diagnostic="550 5.1.1 unknown")]
    assert merge_findings(part, text)[0].address == "final@example.net"
    part = [RecipientFinding("final@example.net", action="failed", status="5.1.1")]
    assert merge_findings(part, text, text_names_recipient=True)[0].address == "written@example.org"


_SENDMAIL_DATA = (
    b"From: Mail Delivery Subsystem <MAILER-DAEMON@mta.example.net>\nTo: sender@example.net\n"
    b"Subject: Returned mail: see transcript for details\n\n"
    b"   ----- The following addresses had permanent fatal errors -----\nreader@example.com\n"
    b"    (reason: 550-5.7.1 Our system has detected that this message is likely unsolicited)\n\n"
    b"   ----- Transcript of session follows -----\n... while talking to mx.example.com.:\n"
    b">>> DATA\n<<< 550-5.7.1 Our system has detected that this message is likely unsolicited\n"
    b"<<< 550-5.7.1 mail. To reduce the amount of spam, this message has been blocked.\n"
    b"<<< 550 5.7.1 Please visit the sender guidelines.\n554 5.0.0 Service unavailable\n"
)


def test_sendmail_reads_the_whole_multi_line_reply_from_the_transcript() -> None:
    # The "(reason: ...)" line (and sendmail's Diagnostic-Code) hold only the first line.
    [row] = _report(_SENDMAIL_DATA).recipients
    assert row.diagnostic is not None and row.diagnostic.endswith("Please visit the sender guidelines.")
    assert "550-5.7.1 mail. To reduce the amount of spam" in row.diagnostic
    assert (row.reply_code, row.status, row.reason) == ("550", "5.7.1", Reason.SPAMDETECTED)


_SENDMAIL_WARNING = (
    b"From: Mail Delivery Subsystem <MAILER-DAEMON@mta.example.net>\nTo: sender@example.net\n"
    b"Subject: Warning: could not send message for past 4 hours\nMIME-Version: 1.0\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
    b"--b1\n\n    **********************************************\n"
    b"    **      THIS IS A WARNING MESSAGE ONLY      **\n"
    b"    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
    b"    **********************************************\n\n"
    b"   ----- Transcript of session follows -----\n... while talking to mx.example.com.:\n"
    b">>> RCPT To:<reader@example.com>\n<<< 421 4.7.0 Too many messages, try again later\n"
    b"reader@example.com... Deferred: 421 4.7.0 Too many messages, try again later\n"
    b"Warning: message still undelivered after 4 hours\n\n"
    b"--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.net\n\n"
    b"Final-Recipient: RFC822; reader@example.com\nAction: ACTION\nStatus: STATUS\n"
    b"Remote-MTA: DNS; mx.example.com\nDiagnostic-Code: SMTP; 221 Bye\n\n--b1--\n"
)


def test_sendmail_reports_the_refusal_not_the_reply_to_its_quit() -> None:
    # After a 421 sendmail says QUIT and puts the server's "221 Bye" in Diagnostic-Code.
    delayed = _SENDMAIL_WARNING.replace(b"ACTION", b"delayed").replace(b"STATUS", b"4.0.0")
    [row] = _report(delayed).recipients
    assert (row.kind, row.reply_code, row.status, row.reason) == (Kind.DELAY, "421", "4.7.0", Reason.SPEEDING)
    assert row.diagnostic == "421 4.7.0 Too many messages, try again later"
    final = _SENDMAIL_WARNING.replace(b"ACTION", b"failed").replace(b"STATUS", b"4.4.7")
    final = final.replace(b"THIS IS A WARNING MESSAGE ONLY", b"")
    final = final.replace(
        b"   ----- Transcript",
        b"   ----- The following addresses had permanent fatal errors -----\n"
        b"reader@example.com\n    (reason: 221 Bye)\n\n   ----- Transcript",
    )
    [failed] = _report(final).recipients
    assert (failed.kind, failed.reply_code, failed.reason) == (Kind.BOUNCE, "421", Reason.SPEEDING)


def test_sendmail_status_guess_gives_way_to_the_remote_words() -> None:
    # sendmail's DSN says 5.1.1 for a refused RCPT whose reply states no status: the reply
    # says the mailbox is over its storage, so it is full (soft), the status kept as written
    data = (Path(__file__).parents[1] / "samples" / "real" / "sendmail" / "gmx-storage-de.eml").read_bytes()
    [row] = _report(data).recipients
    assert (row.status, row.reason, row.severity) == ("5.1.1", Reason.MAILBOXFULL, Severity.SOFT)
