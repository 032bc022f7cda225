"""clean_address with its plain pre-tests reads addresses as the regex-only reading does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse import addresses
from bouncewarden.parse.addresses import clean_address


def _regex_only(text: str | None) -> str | None:
    """The reference: every expression applied, whatever the text holds."""
    if not text:
        return None
    value = text.strip()
    if ";" in value and value.split(";", 1)[0].strip().isalnum():
        value = value.split(";", 1)[1].strip()
    angled = addresses._ANGLED.search(value)
    if angled:
        value = angled.group(1)
    value = addresses._SOURCE_ROUTE.sub("", value.strip().strip("<>").strip())
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if addresses._WHOLE.match(value):
        return addresses.strip_noise(value)
    found = addresses.ADDRESS_PATTERN.search(value)
    return addresses.strip_noise(found.group(0).rstrip(".")) if found else None


_PIECES = st.sampled_from(
    [
        "rfc822;",
        " ",
        "<",
        ">",
        "a@example.com",
        "@relay.example.net:",
        "@r,",
        "mailto:",
        '"x y"',
        "User",
        ".",
        ":",
    ]
)


@settings(max_examples=500)
@given(st.lists(st.one_of(_PIECES, st.text(alphabet="a@<>.: ;,", max_size=5)), max_size=6))
def test_clean_address_as_regex_only_reading(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clean_address(text) == _regex_only(text)


def test_prefixes_and_quotes_bounces_glue_on() -> None:
    assert clean_address("RFC822; SMTP=mona@example.com") == "mona@example.com"
    assert clean_address("rfc822:<mona@example.com>") == "mona@example.com"
    assert clean_address("mailto:mona@example.com.") == "mona@example.com"
    assert clean_address("(mona@example.com),") == "mona@example.com"
    assert list(addresses.addresses_in("550-'mona@example.com... User unknown'")) == ["mona@example.com"]
    assert list(addresses.addresses_in('"mona@example.com", SMTP:ola@example.com')) == [
        "mona@example.com",
        "ola@example.com",
    ]
    assert clean_address("o'brien@example.com") == "o'brien@example.com"
    assert clean_address('"quoted"@example.com') == '"quoted"@example.com'


def test_tidy_address_unwraps_without_shortening() -> None:
    cases = {
        "<a@example.com>": "a@example.com",
        '"a@example.com",': "a@example.com",
        "(a@example.com).": "a@example.com",
        "SMTP=a@example.com": "a@example.com",
        "'a@example.com'": "a@example.com",
        "<a@example.com": "a@example.com",
        '"john doe"@example.com': '"john doe"@example.com',
        "user@[192.0.2.1]": "user@[192.0.2.1]",
        "müller@example.de": "müller@example.de",
        "o'brien@example.com": "o'brien@example.com",
    }
    assert {given: addresses.tidy_address(given) for given in cases} == cases


@given(st.text(max_size=40))
def test_tidy_address_is_idempotent(text: str) -> None:
    once = addresses.tidy_address(text)
    assert addresses.tidy_address(once) == once
