"""Secrets: credential headers and the plan's `secrets` are masked in text, headers and nested values."""

from __future__ import annotations

import copy

import pytest

from locust_ext.plan.secrets import MASK, Secrets

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "name",
    ["Authorization", "authorization", "Proxy-Authorization", "Cookie", "SET-COOKIE", "X-Api-Key", "x-auth-token"],
)
def test_credential_headers_are_secret_whatever_their_case(name: str) -> None:
    assert Secrets([]).is_secret_header(name)


def test_headers_the_plan_names_are_secret_and_others_are_not() -> None:
    secrets = Secrets(["X-Session"])
    assert secrets.is_secret_header("x-session")
    assert not secrets.is_secret_header("Accept")


def test_values_of_secret_variables_are_found_whatever_the_case_of_their_name() -> None:
    secrets = Secrets(["apiKey"])
    assert secrets.values({"APIKEY": "key-123456", "user": "alice-public"}) == ["key-123456"]


def test_a_bearer_token_is_masked_whole_and_without_its_scheme() -> None:
    secrets = Secrets([])
    values = secrets.values({}, [{"Authorization": "Bearer tok-abcdef"}])
    assert values == ["Bearer tok-abcdef", "tok-abcdef"]
    text = "sent Authorization: Bearer tok-abcdef; echoed token=tok-abcdef"
    assert secrets.mask_text(text, values) == f"sent Authorization: {MASK}; echoed token={MASK}"


def test_every_cookie_of_a_cookie_header_is_masked() -> None:
    secrets = Secrets([])
    values = secrets.values({}, [{"Cookie": "sid=s-111111; theme=dark-mode"}])
    assert "s-111111" in values and "dark-mode" in values
    assert secrets.mask_text("?sid=s-111111&t=dark-mode", values) == f"?sid={MASK}&t={MASK}"


def test_only_the_cookie_of_a_set_cookie_header_is_masked_not_its_attributes() -> None:
    values = Secrets([]).values({}, [{"Set-Cookie": "sid=s-222222; Path=/api; Max-Age=3600"}])
    assert set(values) == {"sid=s-222222; Path=/api; Max-Age=3600", "s-222222"}


def test_values_shorter_than_four_characters_are_not_masked() -> None:
    secrets = Secrets(["pin"])
    assert secrets.values({"pin": "123"}, [{"X-Api-Key": "abc"}]) == []
    assert secrets.mask_text("pin 123 abc", []) == "pin 123 abc"


def test_headers_that_are_not_secret_give_no_values() -> None:
    assert Secrets([]).values({"token": "not-named-secret"}, [{"Accept": "application/json"}]) == []


def test_longer_values_are_masked_before_their_parts() -> None:
    secrets = Secrets(["token", "prefix"])
    values = secrets.values({"token": "abcd-efgh-ijkl", "prefix": "abcd"})
    assert values == ["abcd-efgh-ijkl", "abcd"]
    assert secrets.mask_text("t=abcd-efgh-ijkl p=abcd", values) == f"t={MASK} p={MASK}"


def test_a_secret_is_masked_wherever_it_appears_in_a_nested_result() -> None:
    secrets = Secrets(["token"])
    result = {
        "request": {
            "url": "http://x.test/items?token=tok-999999",
            "headers": {"Authorization": "Bearer tok-999999", "Accept": "*/*"},
        },
        "response": {"status": 200, "body": '{"token": "tok-999999"}', "ok": True, "times": [1.5, None]},
        "variables": ["tok-999999", 7],
    }
    original = copy.deepcopy(result)
    masked = secrets.mask_tree(result, secrets.values({"token": "tok-999999"}))
    assert masked == {
        "request": {
            "url": f"http://x.test/items?token={MASK}",
            "headers": {"Authorization": MASK, "Accept": "*/*"},
        },
        "response": {"status": 200, "body": f'{{"token": "{MASK}"}}', "ok": True, "times": [1.5, None]},
        "variables": [MASK, 7],
    }
    assert result == original


def test_a_secret_header_is_masked_whole_even_when_its_value_is_not_known_as_a_secret() -> None:
    masked = Secrets([]).mask_tree({"headers": {"X-Auth-Token": "t"}}, [])
    assert masked == {"headers": {"X-Auth-Token": MASK}}
