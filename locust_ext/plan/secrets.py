"""Secrets kept out of what people read: credential headers, and the variables and headers a plan names in
`secrets`, are masked in try-once output and in the failure messages of a run.

A value is masked wherever it appears (a token saved from a login also shows up in the next request's URL or
in a response body), so masking works on the text, from the values known at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from locust_ext.plan.validation import is_json_list, is_json_object

CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)
MASK = "••••••"
# Shorter values would mask ordinary words and numbers all over the output.
MIN_SECRET_CHARS = 4


class Secrets:
    """The secret names of one plan, and how to mask what they hold."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = {name.lower() for name in names}

    def is_secret_header(self, name: str) -> bool:
        return name.lower() in CREDENTIAL_HEADERS or name.lower() in self.names

    def values(self, variables: Mapping[str, str], header_sets: Iterable[Mapping[str, str]] = ()) -> list[str]:
        """The secret values among these variables and headers, longest first (so a value's parts mask last)."""
        found = {str(value) for name, value in variables.items() if name.lower() in self.names}
        for headers in header_sets:
            for name, value in headers.items():
                if self.is_secret_header(name):
                    found |= _parts(name.lower(), str(value))
        return sorted((value for value in found if len(value) >= MIN_SECRET_CHARS), key=len, reverse=True)

    def mask_text(self, text: str, values: list[str]) -> str:
        for value in values:
            text = text.replace(value, MASK)
        return text

    def mask_tree(self, data: Any, values: list[str]) -> Any:
        """A copy of JSON-like `data` with every secret value masked, and secret headers' values masked whole."""
        if isinstance(data, str):
            return self.mask_text(data, values)
        if is_json_list(data):
            return [self.mask_tree(item, values) for item in data]
        if is_json_object(data):
            return {
                key: MASK if isinstance(value, str) and self.is_secret_header(key) else self.mask_tree(value, values)
                for key, value in data.items()
            }
        return data


def _parts(header: str, value: str) -> set[str]:
    """A credential header's value, its credentials without the scheme, and each cookie's value."""
    parts = {value}
    scheme, _, credentials = value.partition(" ")
    if credentials and scheme.isalpha():
        parts.add(credentials.strip())
    # Cookie: a=1; b=2 (every pair); Set-Cookie: a=1; Path=/; Max-Age=60 (only the first is the cookie).
    pairs = value.split(";") if header == "cookie" else value.split(";")[:1] if header == "set-cookie" else []
    for pair in pairs:
        _, equals, cookie = pair.partition("=")
        if equals and cookie.strip():
            parts.add(cookie.strip())
    return parts
