"""Recipient domains grouped by receiving provider."""

from __future__ import annotations

import pytest

from bouncewarden.monitor.providers import OTHER, provider_of


@pytest.mark.parametrize(
    ("domain", "provider"),
    [
        ("gmail.com", "gmail"),
        ("GoogleMail.com", "gmail"),
        ("gmail.com.", "gmail"),
        ("outlook.com", "microsoft"),
        ("hotmail.co.uk", "microsoft"),
        ("live.fr", "microsoft"),
        ("msn.com", "microsoft"),
        ("yahoo.com", "yahoo"),
        ("yahoo.com.br", "yahoo"),
        ("aol.com", "yahoo"),
        ("icloud.com", "apple"),
        ("me.com", "apple"),
        ("gmx.de", "gmx"),
        ("web.de", "gmx"),
        ("example.com", OTHER),
        ("mail.example.co.uk", OTHER),
        ("hotmail.example.com", OTHER),  # a name in the middle says nothing
        ("", OTHER),
    ],
)
def test_provider_of(domain: str, provider: str) -> None:
    assert provider_of(domain) == provider
