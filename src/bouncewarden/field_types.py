"""Pydantic field types for text from outside that gets stored: the HTTP API's request bodies
(`api.v1.schemas`) and the files commands read (`sends`).

`Text` refuses NUL, which PostgreSQL cannot keep in a text column; `AddressText` is an email
address that `bouncewarden.addresses` accepts, refused with the reason it gives.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from bouncewarden.addresses import address_problem

__all__ = ["AddressText", "Text"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


def _an_address(value: str) -> str:
    problem = address_problem(value)
    if problem is not None:
        raise ValueError(f"not an email address ({problem})")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""Text that may be stored: no NUL characters (PostgreSQL refuses them in text columns)."""
AddressText = Annotated[str, AfterValidator(_an_address)]
"""An email address that `bouncewarden.addresses` accepts."""
