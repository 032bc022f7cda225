from bouncewarden.events import Reason, Severity, default_severity, is_hard, normalise_address


def test_only_address_reasons_are_hard() -> None:
    hard = {r for r in Reason if is_hard(r)}
    assert hard == {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT}


def test_default_severity_follows_design() -> None:
    assert default_severity(Reason.BLOCKED) is Severity.SENDER
    assert default_severity(Reason.MAILBOXFULL) is Severity.SOFT
    assert default_severity(Reason.FEEDBACK, "abuse") is Severity.COMPLAINT
    assert default_severity(Reason.FEEDBACK, "not-spam") is Severity.NONE
    assert default_severity(Reason.VACATION) is Severity.NONE


def test_normalise_address() -> None:
    assert normalise_address(" <User@Example.COM> ") == "user@example.com"
