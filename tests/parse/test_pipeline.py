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
    rule = OperatorRule(pattern=r"^4\.5\.0$", severity=Severity.SOFT, reason=Reason.ONHOLD)
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
