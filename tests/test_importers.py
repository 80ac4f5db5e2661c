"""Importing plans from Postman, HAR, cURL and locust-hazard: the plan each input becomes, its warnings, its errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from locust_ext.plan.importers import FORMATS, ImportFailed, ImportResult, import_plan
from locust_ext.plan.validation import load_plan, parse_plan, plan_to_json

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"

POSTMAN = {
    "info": {
        "_postman_id": "5d1f1c1e-8c7b-4a4e-9d1a-2f3e4a5b6c7d",
        "name": "Shop API",
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
    "variable": [
        {"key": "baseUrl", "value": "http://127.0.0.1:8080", "type": "string"},
        {"key": "token", "value": "", "type": "string"},
    ],
    "item": [
        {
            "name": "Health",
            "request": {"method": "GET", "header": [], "url": {"raw": "{{baseUrl}}/health", "host": ["{{baseUrl}}"]}},
        },
        {
            "name": "Checkout",
            "variable": [{"key": "currency", "value": "EUR"}],
            "item": [
                {
                    "name": "Login",
                    "event": [
                        {
                            "listen": "test",
                            "script": {
                                "type": "text/javascript",
                                "exec": [
                                    'pm.test("Status code is 200", function () {',
                                    "    pm.response.to.have.status(200);",
                                    "});",
                                    "var data = pm.response.json();",
                                    'pm.collectionVariables.set("token", data.token);',
                                ],
                            },
                        }
                    ],
                    "request": {
                        "auth": {"type": "noauth"},
                        "method": "POST",
                        "header": [
                            {"key": "Content-Type", "value": "application/json"},
                            {"key": "X-Debug", "value": "1", "disabled": True},
                        ],
                        "body": {
                            "mode": "raw",
                            "raw": '{\n  "user": "{{username}}",\n  "password": "secret",\n  "remember": true\n}',
                            "options": {"raw": {"language": "json"}},
                        },
                        "url": {
                            "raw": "{{baseUrl}}/login",
                            "host": ["{{baseUrl}}"],
                            "path": ["login"],
                        },
                    },
                },
                {
                    "name": "Search",
                    "request": {
                        "method": "GET",
                        "header": [{"key": "Accept", "value": "application/json"}],
                        "url": {
                            "raw": "{{baseUrl}}/api/items?page=2&q={{term}}&debug=1",
                            "host": ["{{baseUrl}}"],
                            "path": ["api", "items"],
                            "query": [
                                {"key": "page", "value": "2"},
                                {"key": "q", "value": "{{term}}"},
                                {"key": "debug", "value": "1", "disabled": True},
                            ],
                        },
                    },
                },
                {
                    "name": "Items",
                    "item": [
                        {
                            "name": "Item",
                            "event": [
                                {
                                    "listen": "test",
                                    "script": {
                                        "exec": ["pm.expect(pm.response.code).to.eql(200);", "pm.response.to.be.ok;"]
                                    },
                                }
                            ],
                            "request": {
                                "method": "GET",
                                "url": {
                                    "raw": "{{baseUrl}}/api/items/:id",
                                    "host": ["{{baseUrl}}"],
                                    "path": ["api", "items", ":id"],
                                    "variable": [{"key": "id", "value": "7"}],
                                },
                            },
                        },
                        {
                            "name": "Item",
                            "request": {"method": "GET", "url": "{{baseUrl}}/api/items/8"},
                        },
                    ],
                },
                {
                    "name": "Contact",
                    "event": [{"listen": "prerequest", "script": {"exec": ["pm.variables.set('n', Date.now());"]}}],
                    "request": {
                        "method": "POST",
                        "header": [],
                        "body": {
                            "mode": "urlencoded",
                            "urlencoded": [
                                {"key": "email", "value": "{{username}}@example.test", "type": "text"},
                                {"key": "message", "value": "Price is ${price}", "type": "text"},
                                {"key": "draft", "value": "1", "type": "text", "disabled": True},
                            ],
                        },
                        "url": "{{baseUrl}}/contact",
                    },
                },
            ],
        },
    ],
}


def _postman(**changes: Any) -> str:
    collection = json.loads(json.dumps(POSTMAN))
    collection.update(changes)
    return json.dumps(collection)


def test_postman_collection_becomes_a_plan() -> None:
    result = import_plan(_postman())

    assert result.format == "postman"
    plan = result.plan
    assert plan["name"] == "Shop-API"
    assert plan["variables"] == {"baseUrl": "http://127.0.0.1:8080", "token": "", "currency": "EUR"}
    assert plan["host"] == "http://127.0.0.1:8080"  # Locust asks for one; the first request's, from baseUrl
    assert [task["name"] for task in plan["tasks"]] == ["Shop API"]  # one iteration is the collection in order
    health, login, search, item, item2, contact = plan["tasks"][0]["steps"]
    assert health == {"name": "Health", "url": "${baseUrl}/health", "headers": {"Authorization": "Bearer ${token}"}}
    assert login == {
        "name": "Login",
        "method": "POST",
        "url": "${baseUrl}/login",
        "headers": {"Content-Type": "application/json"},
        "json": {"user": "${username}", "password": "secret", "remember": True},
        "assert": [{"on": "STATUS", "op": "EQ", "value": "200", "name": "Status code is 200"}],
        "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token", "default": ""}],
    }
    assert search == {
        "name": "Search",
        "url": "${baseUrl}/api/items",
        "params": {"page": "2", "q": "${term}"},
        "headers": {"Accept": "application/json", "Authorization": "Bearer ${token}"},
    }
    assert item["name"] == "Item" and item2["name"] == "Item (2)"
    assert item["url"] == "${baseUrl}/api/items/7"
    assert item["assert"] == [{"on": "STATUS", "op": "EQ", "value": "200"}]  # the same check twice, kept once
    assert contact["form"] == {"email": "${username}@example.test", "message": "Price is $${price}"}
    assert contact["method"] == "POST"
    assert contact["assign"] == {"n": "${__timestamp}"}


def test_postman_warnings_name_what_was_not_converted() -> None:
    warnings = import_plan(_postman()).messages

    assert warnings == [
        "variables used but not defined in the collection (an environment's?): term, username; "
        "add them to the plan's variables",
    ]


def test_postman_status_checks_in_one_line_and_one_of() -> None:
    item = {
        "name": "Create",
        "event": [
            {
                "listen": "test",
                "script": {
                    "exec": [
                        'pm.test("created", () => { pm.expect(pm.response.code).to.be.oneOf([201, 202]); });',
                        'pm.test("fast", function () { pm.expect(pm.response.responseTime).to.be.below(200); });',
                    ]
                },
            }
        ],
        "request": {"method": "PUT", "url": "http://api.example.test/things/1"},
    }
    result = import_plan(_postman(item=[item], variable=[], auth=None))

    step = result.plan["tasks"][0]["steps"][0]
    assert step["assert"] == [
        {"on": "STATUS", "op": "MATCHES", "value": "^(201|202)$", "name": "created"},
        {"on": "RESPONSE_TIME_MS", "op": "LT", "value": "200", "name": "fast"},
    ]
    assert result.messages == []


def test_postman_bodies_and_auth() -> None:
    items = [
        {
            "name": "Upload",
            "request": {
                "method": "POST",
                "url": "https://api.example.test/upload",
                "auth": {
                    "type": "basic",
                    "basic": [{"key": "username", "value": "alice"}, {"key": "password", "value": "pw"}],
                },
                "body": {
                    "mode": "formdata",
                    "formdata": [
                        {"key": "title", "value": "Holiday", "type": "text"},
                        {"key": "photo", "type": "file", "src": "/tmp/a.png"},
                    ],
                },
            },
        },
        {
            "name": "Query",
            "request": {
                "method": "POST",
                "url": "https://api.example.test/graphql",
                "auth": {"type": "basic", "basic": [{"key": "username", "value": "{{user}}"}]},
                "body": {
                    "mode": "graphql",
                    "graphql": {"query": "{ item(id: $id) { name } }", "variables": '{"id": 3}'},
                },
            },
        },
        {
            "name": "Note",
            "request": {
                "method": "POST",
                "url": "https://api.example.test/notes",
                "body": {"mode": "raw", "raw": '{"id": {{id}}}', "options": {"raw": {"language": "json"}}},
            },
        },
    ]
    result = import_plan(_postman(item=items, variable=[{"key": "id", "value": 5}, {"key": "user", "value": "u"}]))

    upload, query, note = result.plan["tasks"][0]["steps"]
    assert upload["form"] == {"title": "Holiday"}
    assert upload["headers"] == {"Authorization": "Basic " + base64.b64encode(b"alice:pw").decode()}
    assert query["json"] == {"query": "{ item(id: $id) { name } }", "variables": {"id": 3}}
    assert query["headers"] == {"Authorization": "Basic " + base64.b64encode(b"u:").decode()}  # {{user}} is "u"
    assert note["body"] == '{"id": ${id}}'
    assert note["headers"] == {"Content-Type": "application/json", "Authorization": "Bearer ${token}"}
    assert result.plan["variables"] == {"id": "5", "user": "u"}
    assert result.messages == [
        "item 'Upload': form field 'photo' is a file; skipped",
        "item 'Upload': form data is sent as application/x-www-form-urlencoded, not multipart",
        "variables used but not defined in the collection (an environment's?): token; add them to the plan's variables",
    ]


def test_postman_variable_names_are_made_template_names() -> None:
    items = [{"name": "Ping", "request": {"url": "{{base-url}}/ping?id={{$guid}}&t={{$timestamp}}"}}]
    result = import_plan(_postman(item=items, auth=None, variable=[{"key": "base-url", "value": "http://x.test"}]))

    step = result.plan["tasks"][0]["steps"][0]
    assert step["url"] == "${base_url}/ping"
    assert step["params"] == {"id": "${__uuid}", "t": "{{$timestamp}}"}
    assert result.plan["variables"] == {"base_url": "http://x.test"}
    assert result.messages == [
        "variable 'base-url' renamed 'base_url' (a name is letters, digits and '_')",
        "dynamic variable {{$timestamp}} not converted; it is sent as written",
    ]


def test_postman_collection_with_no_request_fails_validation() -> None:
    with pytest.raises(ImportFailed) as caught:
        import_plan(_postman(item=[{"name": "Empty folder", "item": []}]))

    assert caught.value.path == "plan.tasks"
    assert "a plan needs at least one task or journey" in caught.value.message


def test_postman_errors_name_the_input_path() -> None:
    bad_url = {"name": "Broken", "request": {"method": "GET", "url": {"raw": ""}}}
    with pytest.raises(ImportFailed) as caught:
        import_plan(_postman(item=[{"name": "F", "item": [{"name": "ok", "request": "http://a.test/"}, bad_url]}]))
    assert caught.value.path == "item[0].item[1].request.url"
    assert caught.value.message == "expected a URL, got nothing"

    purge = {"name": "Purge", "request": {"method": "PURGE", "url": "http://a.test/cache"}}
    with pytest.raises(ImportFailed) as caught:
        import_plan(_postman(item=[purge]))
    assert caught.value.path == "item[0].request.method"
    assert "expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got 'PURGE'" in caught.value.message


HAR = {
    "log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1", "title": "Demo shop"}],
        "entries": [
            {
                "_resourceType": "document",
                "pageref": "page_1",
                "request": {
                    "method": "GET",
                    "url": "https://shop.example.test/shop?ref=mail",
                    "httpVersion": "http/2.0",
                    "headers": [
                        {"name": ":authority", "value": "shop.example.test"},
                        {"name": ":method", "value": "GET"},
                        {"name": "accept", "value": "text/html"},
                        {"name": "accept-encoding", "value": "gzip, deflate, br"},
                        {"name": "cookie", "value": "sid=abc"},
                        {"name": "user-agent", "value": "Mozilla/5.0"},
                    ],
                    "queryString": [{"name": "ref", "value": "mail"}],
                    "cookies": [{"name": "sid", "value": "abc"}],
                },
                "response": {"status": 200, "content": {"mimeType": "text/html"}},
            },
            {
                "_resourceType": "stylesheet",
                "request": {"method": "GET", "url": "https://shop.example.test/static/site.css", "headers": []},
                "response": {"status": 200, "content": {"mimeType": "text/css"}},
            },
            {
                "_resourceType": "image",
                "request": {"method": "GET", "url": "https://cdn.example.test/img/logo.png", "headers": []},
                "response": {"status": 200, "content": {"mimeType": "image/png"}},
            },
            {
                "_resourceType": "xhr",
                "request": {
                    "method": "POST",
                    "url": "https://shop.example.test/api/cart",
                    "headers": [
                        {"name": "content-type", "value": "application/json"},
                        {"name": "content-length", "value": "27"},
                        {"name": "x-csrf-token", "value": "t0k3n"},
                        {"name": "Cookie", "value": "sid=abc"},
                    ],
                    "postData": {"mimeType": "application/json", "text": '{"itemId": 7, "quantity": 2}'},
                },
                "response": {"status": 201, "content": {"mimeType": "application/json"}},
            },
            {
                "_resourceType": "document",
                "request": {
                    "method": "POST",
                    "url": "https://shop.example.test/contact",
                    "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "text": "email=a%40b.test&message=hello+there",
                        "params": [
                            {"name": "email", "value": "a%40b.test"},
                            {"name": "message", "value": "hello+there"},
                        ],
                    },
                },
                "response": {"status": 303, "redirectURL": "/thanks", "content": {"mimeType": "text/html"}},
            },
            {
                "_resourceType": "fetch",
                "request": {"method": "GET", "url": "https://api.other.test/v1/price?item=7", "headers": []},
                "response": {"status": 200, "content": {"mimeType": "application/json"}},
            },
        ],
    }
}


def test_har_recording_becomes_one_task() -> None:
    result = import_plan(json.dumps(HAR))

    assert result.format == "har"
    assert result.plan == {
        "name": "Demo-shop",
        "host": "https://shop.example.test",
        "tasks": [
            {
                "name": "Demo shop",
                "steps": [
                    {
                        "name": "GET /shop",
                        "url": "/shop",
                        "params": {"ref": "mail"},
                        "headers": {"accept": "text/html", "user-agent": "Mozilla/5.0"},
                    },
                    {
                        "name": "POST /api/cart",
                        "method": "POST",
                        "url": "/api/cart",
                        "headers": {"content-type": "application/json", "x-csrf-token": "t0k3n"},
                        "json": {"itemId": 7, "quantity": 2},
                    },
                    {
                        "name": "POST /contact",
                        "method": "POST",
                        "url": "/contact",
                        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                        "form": {"email": "a@b.test", "message": "hello there"},
                        "followRedirects": False,
                    },
                    {
                        "name": "GET https://api.other.test/v1/price",
                        "url": "https://api.other.test/v1/price",
                        "params": {"item": "7"},
                    },
                ],
            }
        ],
    }
    assert result.messages == [
        "Cookie headers dropped: each virtual user's session keeps the cookies its responses set",
        "2 static asset request(s) skipped (images, CSS, scripts, fonts, media); include_static keeps them",
    ]


def test_har_static_assets_kept_on_request() -> None:
    result = import_plan(json.dumps(HAR), include_static=True)

    names = [step["name"] for step in result.plan["tasks"][0]["steps"]]
    assert names[1:3] == ["GET /static/site.css", "GET https://cdn.example.test/img/logo.png"]
    assert not any("static" in warning for warning in result.messages)


def test_har_static_detection_without_resource_type() -> None:
    entries = [
        {"request": {"method": "GET", "url": "http://a.test/app.js"}, "response": {"content": {"mimeType": "x/y"}}},
        {
            "request": {"method": "GET", "url": "http://a.test/font"},
            "response": {"content": {"mimeType": "font/woff2"}},
        },
        {"request": {"method": "GET", "url": "http://a.test/api"}, "response": {"content": {"mimeType": "text/html"}}},
    ]
    result = import_plan(json.dumps({"log": {"entries": entries}}), name="plain har")

    assert result.plan["name"] == "plain-har"
    assert result.plan["tasks"][0] == {"name": "a.test", "steps": [{"name": "GET /api", "url": "/api"}]}


def test_har_of_only_assets_is_an_error() -> None:
    entries = [{"request": {"method": "GET", "url": "http://a.test/logo.png"}, "response": {}}]
    with pytest.raises(ImportFailed) as caught:
        import_plan(json.dumps({"log": {"entries": entries}}))
    assert caught.value.path == "log.entries"
    assert "expected at least one HTTP request" in caught.value.message


CHROME_CURL = r"""curl 'https://shop.example.test/api/login?next=%2Fcart' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-GB,en;q=0.9' \
  -H 'content-type: application/json' \
  -b 'sid=abc123; theme=dark' \
  -H 'origin: https://shop.example.test' \
  -H 'sec-ch-ua: "Chromium";v="124", "Not-A.Brand";v="99"' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \
  --data-raw '{"user":"alice","password":"p${w}d","remember":true}' \
  --compressed"""


def test_chrome_copy_as_curl() -> None:
    result = import_plan(CHROME_CURL)

    assert result.format == "curl"
    assert result.plan == {
        "name": "shop.example.test",
        "host": "https://shop.example.test",
        "tasks": [
            {
                "name": "shop.example.test",
                "steps": [
                    {
                        "name": "POST /api/login",
                        "method": "POST",
                        "url": "/api/login",
                        "params": {"next": "/cart"},
                        "headers": {
                            "accept": "application/json, text/plain, */*",
                            "accept-language": "en-GB,en;q=0.9",
                            "content-type": "application/json",
                            "Cookie": "sid=abc123; theme=dark",
                            "origin": "https://shop.example.test",
                            "sec-ch-ua": '"Chromium";v="124", "Not-A.Brand";v="99"',
                            "user-agent": "Mozilla/5.0 (X11; Linux x86_64)",
                        },
                        "json": {"user": "alice", "password": "p$${w}d", "remember": True},
                        "followRedirects": False,
                    }
                ],
            }
        ],
    }
    assert result.messages == [
        "cookies sent as a Cookie header on every request; each virtual user's session also keeps its own"
    ]


def test_chrome_ansi_c_quoted_multipart_data_stays_a_body() -> None:
    command = (
        "curl 'http://a.test/upload' \\\n"
        "  -H 'content-type: multipart/form-data; boundary=----B' \\\n"
        "  --data-raw $'------B\\r\\nContent-Disposition: form-data; name=\"title\"\\r\\n\\r\\nIt\\'s caf\\u00e9\\r\\n"
        "------B--\\r\\n'"
    )
    step = import_plan(command).plan["tasks"][0]["steps"][0]

    assert step["body"] == (
        '------B\r\nContent-Disposition: form-data; name="title"\r\n\r\nIt\'s café\r\n------B--\r\n'
    )
    assert step["method"] == "POST"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("curl http://a.test/items", {"name": "GET /items", "url": "/items", "followRedirects": False}),
        ("curl -sL --url http://a.test/items", {"name": "GET /items", "url": "/items", "followRedirects": True}),
        (
            "curl -I 'http://a.test/list?page=1&page=2'",
            {"name": "HEAD /list", "method": "HEAD", "url": "/list?page=1&page=2", "followRedirects": False},
        ),
        (
            "curl -sSL -X DELETE https://a.test/items/7 -u alice:pw",
            {
                "name": "DELETE /items/7",
                "method": "DELETE",
                "url": "/items/7",
                "headers": {"Authorization": "Basic " + base64.b64encode(b"alice:pw").decode()},
                "followRedirects": True,
            },
        ),
        (
            "curl -d name=alice -d 'note=a b' http://a.test/users",
            {
                "name": "POST /users",
                "method": "POST",
                "url": "/users",
                "form": {"name": "alice", "note": "a b"},
                "followRedirects": False,
            },
        ),
        (
            "curl -G -d q=socks --data-urlencode 'tag=a&b' http://a.test/search -A bench -e http://a.test/",
            {
                "name": "GET /search",
                "url": "/search",
                "params": {"q": "socks", "tag": "a&b"},
                "headers": {"User-Agent": "bench", "Referer": "http://a.test/"},
                "followRedirects": False,
            },
        ),
        (
            "curl --json '{\"a\": 1}' http://a.test/things",
            {
                "name": "POST /things",
                "method": "POST",
                "url": "/things",
                "headers": {"Content-Type": "application/json", "Accept": "application/json"},
                "json": {"a": 1},
                "followRedirects": False,
            },
        ),
        (
            "curl -XPUT http://a.test/raw -H 'Content-Type: text/plain' --data-binary 'hello'",
            {
                "name": "PUT /raw",
                "method": "PUT",
                "url": "/raw",
                "headers": {"Content-Type": "text/plain"},
                "body": "hello",
                "followRedirects": False,
            },
        ),
        (
            "curl -F title=Holiday -F photo=@/tmp/a.png a.test/upload",
            {
                "name": "POST /upload",
                "method": "POST",
                "url": "/upload",
                "form": {"title": "Holiday"},
                "followRedirects": False,
            },
        ),
    ],
)
def test_simple_curl_commands(command: str, expected: dict[str, Any]) -> None:
    result = import_plan(command)

    assert result.plan["tasks"][0]["steps"] == [expected]


def test_curl_data_that_is_not_a_form_keeps_curls_content_type() -> None:
    result = import_plan("curl http://a.test/echo -d '{\"a\": 1}'")

    step = result.plan["tasks"][0]["steps"][0]
    assert step["body"] == '{"a": 1}'
    assert step["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}
    assert result.messages == [
        "the data looks like JSON but no Content-Type says so; sent as curl does, form-urlencoded"
    ]
    assert import_plan("curl -F 'f=@x.bin' -F a=1 http://a.test/").messages == ["form field 'f' is a file; skipped"]


@pytest.mark.parametrize(
    ("command", "path", "message"),
    [
        ("curl --frobnicate http://a.test/", "curl: --frobnicate", "unknown option --frobnicate; the importer knows"),
        ("curl -Z http://a.test/", "curl: -Z", "unknown option -Z"),
        ("curl http://a.test/ -X", "curl: -X", "-X needs a value"),
        ("curl http://a.test/ -H 'no colon'", "curl: -H", "expected 'Name: value', got 'no colon'"),
        ("curl -d @body.json http://a.test/", "curl: -d", "data from a file (@body.json) cannot be imported"),
        ("curl -X", "curl: -X", "-X needs a value"),
        ("curl -s", "curl", "expected one URL, got 0: none"),
        ("curl ftp://a.test/file", "curl: URL", "expected an http:// or https:// URL"),
        ("curl -X BREW http://a.test/pot", "curl: -X", "expected one of GET, POST"),
        ("curl 'http://a.test/", "curl", "cannot split the command line: No closing quotation"),
    ],
)
def test_bad_curl_commands(command: str, path: str, message: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        import_plan(command)
    assert caught.value.path == path
    assert message in caught.value.message


def _hazard_request(url: str, **fields: Any) -> dict[str, Any]:
    request = {
        "Method": "GET",
        "UrlPath": url,
        "Headers": None,
        "Params": None,
        "DictData": None,
        "RawData": "",
        "JsonData": "",
        "SaveParamChain": None,
        "AssertChain": None,
    }
    request.update(fields)
    return request


HAZARD = {
    "isSession": True,
    "HttpProxy": "127.0.0.1:8888",
    "LocustMaster": "192.168.23.222",
    "PreTask": [
        _hazard_request("", SaveParamChain=[{"SaveType": 3, "ParamName": "password", "RuleValue": "pw1"}]),
        _hazard_request(
            "http://127.0.0.1:8080/login",
            Method="POST",
            JsonData='{"username": "alice", "password": "{@password@}"}',
            SaveParamChain=[
                {"SaveType": 1, "ParamName": "token", "RuleValue": "data.token"},
                {"SaveType": 1, "ParamName": "firstId", "RuleValue": "data.items.0.id"},
            ],
            AssertChain=[{"AssertType": 0, "RuleValue": 200}],
        ),
    ],
    "MainTask": [
        {
            "TaskWeight": 3,
            "TaskName": "browse",
            "PreWork": [
                _hazard_request(
                    "http://127.0.0.1:8080/shop",
                    Headers={"Authorization": "Bearer {@token@}"},
                    SaveParamChain=[
                        {"SaveType": 0, "ParamName": "csrf", "RuleValue": "//meta[@name='csrf-token']/@content"},
                        {"SaveType": 2, "ParamName": "formAction", "RuleValue": 'action="([^"]+)"'},
                    ],
                    AssertChain=[{"AssertType": 1, "RuleValue": 100}],
                )
            ],
            "TestWork": _hazard_request(
                "http://127.0.0.1:8080{@formAction@}",
                Params={"q": "socks", "page": "{@page@}"},
                Headers={"X-CSRF-Token": "{@csrf@}"},
                SaveParamChain=[
                    {"SaveType": 4, "ParamName": "page", "RuleValue": "5-1"},
                    {"SaveType": 5, "ParamName": "colour", "RuleValue": ",red,green,blue"},
                ],
                AssertChain=[{"AssertType": 2, "RuleValue": 512}, {"AssertType": 3, "RuleValue": 4096}],
            ),
        },
        {
            "TaskWeight": 1,
            "TaskName": "contact",
            "PreWork": None,
            "TestWork": _hazard_request(
                "http://127.0.0.1:8080/contact",
                Method="post",
                DictData={"email": "alice@example.test", "message": "costs ${price} {@colour@}"},
            ),
        },
    ],
}


def test_hazard_plan_becomes_setup_and_tasks() -> None:
    result = import_plan(json.dumps(HAZARD))

    assert result.format == "hazard"
    assert result.messages == []
    assert result.plan == {
        "name": "hazard-import",
        "session": True,
        "proxy": "http://127.0.0.1:8888",
        "variables": {"password": "pw1"},
        "setup": [
            {
                "method": "POST",
                "url": "http://127.0.0.1:8080/login",
                "json": {"username": "alice", "password": "${password}"},
                "save": [
                    {"name": "token", "from": "JSONPATH", "expr": "$.data.token"},
                    {"name": "firstId", "from": "JSONPATH", "expr": "$.data.items[0].id"},
                ],
                "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}],
            }
        ],
        "tasks": [
            {
                "name": "browse",
                "weight": 3,
                "steps": [
                    {
                        "url": "http://127.0.0.1:8080/shop",
                        "headers": {"Authorization": "Bearer ${token}"},
                        "save": [
                            {"name": "csrf", "from": "XPATH", "expr": "//meta[@name='csrf-token']/@content"},
                            {"name": "formAction", "from": "REGEX", "expr": 'action="([^"]+)"'},
                        ],
                        "assert": [{"on": "BODY_LENGTH", "op": "GT", "value": "100"}],
                    },
                    {
                        "name": "browse",
                        "url": "http://127.0.0.1:8080${formAction}",
                        "headers": {"X-CSRF-Token": "${csrf}"},
                        "params": {"q": "socks", "page": "${page}"},
                        "save": [
                            {"name": "page", "from": "RANDOM_INT", "expr": "1-5"},
                            {"name": "colour", "from": "RANDOM_CHOICE", "expr": ",red,green,blue"},
                        ],
                        "assert": [
                            {"on": "BODY_LENGTH", "op": "EQ", "value": "512"},
                            {"on": "BODY_LENGTH", "op": "LT", "value": "4096"},
                        ],
                    },
                ],
            },
            {
                "name": "contact",
                "weight": 1,
                "steps": [
                    {
                        "name": "contact",
                        "method": "POST",
                        "url": "http://127.0.0.1:8080/contact",
                        "form": {"email": "alice@example.test", "message": "costs $${price} ${colour}"},
                    }
                ],
            },
        ],
    }


def test_hazard_body_precedence_and_requestless_saves() -> None:
    hazard = {
        "isSession": False,
        "MainTask": [
            {
                "TaskWeight": 0,
                "TaskName": "t",
                "PreWork": [
                    _hazard_request("http://a.test/first"),
                    _hazard_request(
                        "",
                        SaveParamChain=[
                            {"SaveType": 5, "ParamName": "size", "RuleValue": "|S|M|L"},
                            {"SaveType": 1, "ParamName": "lost", "RuleValue": "a.b"},
                        ],
                    ),
                ],
                "TestWork": _hazard_request(
                    "http://a.test/second", Method="POST", RawData="size={@size@}", JsonData='{"a": 1}'
                ),
            }
        ],
        "Extra": 1,
    }
    result = import_plan(json.dumps(hazard))

    first, second = result.plan["tasks"][0]["steps"]
    assert result.plan["session"] is False
    assert "weight" not in result.plan["tasks"][0]
    assert first["save"] == [{"name": "size", "from": "RANDOM_CHOICE", "expr": "|S|M|L"}]
    assert second["body"] == "size=${size}"
    assert "json" not in second
    assert result.messages == [
        "Extra: not a locust-hazard key; ignored",
        "MainTask[0].PreWork[1]: save 'lost' needs a response and the request has no UrlPath; dropped",
        "MainTask[0].TestWork: RawData is sent, so JsonData are not (as locust-hazard does)",
    ]


def test_hazard_json_data_that_is_not_json() -> None:
    hazard = {"MainTask": [{"TaskName": "t", "TestWork": _hazard_request("http://a.test/", JsonData='{"id": {@id@}}')}]}
    with pytest.raises(ImportFailed) as caught:
        import_plan(json.dumps(hazard))

    assert caught.value.path == "MainTask[0].TestWork.JsonData"
    assert caught.value.message.startswith("expected a JSON document (Expecting property name enclosed in double")
    assert "at line 1 column 9)" in caught.value.message
    assert "a {@name@} must be inside a JSON string" in caught.value.message


def test_hazard_missing_test_work() -> None:
    with pytest.raises(ImportFailed) as caught:
        import_plan(json.dumps({"MainTask": [{"TaskName": "t"}]}))
    assert caught.value.path == "MainTask[0].TestWork"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_own_example_plans_round_trip(path: Path) -> None:
    # As the page's Export writes them: data set files already inlined.
    text = json.dumps(plan_to_json(load_plan(path)))
    result = import_plan(text)

    assert result.format == "plan"
    assert result.messages == []
    assert result.plan == plan_to_json(parse_plan(json.loads(text)))
    assert import_plan(json.dumps(result.plan), format="plan").plan == result.plan
    assert import_plan(text, name="copy of demo").plan["name"] == "copy-of-demo"


def test_own_plan_with_a_data_set_file_asks_for_the_rows_inline() -> None:
    with pytest.raises(ImportFailed) as caught:
        import_plan((EXAMPLES / "demo-shop.json").read_text(encoding="utf-8"))
    assert caught.value.path == "plan.dataSets[0].file"
    assert "give the rows inline in csv" in caught.value.message


def test_own_plan_that_is_invalid() -> None:
    plan = {"name": "p", "tasks": [{"name": "t", "steps": [{"url": "/", "method": "FETCH"}]}]}
    with pytest.raises(ImportFailed) as caught:
        import_plan(json.dumps(plan))
    assert caught.value.path == "plan.tasks[0].steps[0].method"
    assert "expected one of GET" in caught.value.message


@pytest.mark.parametrize(
    ("text", "format", "path", "message"),
    [
        ("hello world", None, "", "cannot tell the format; expected a Postman v2.1 collection (postman)"),
        ('{"a": 1', None, "", "not valid JSON: Expecting ',' delimiter at line 1 column 8"),
        ('{"a": 1}', None, "", "cannot tell the format"),
        ("[1, 2]", "har", "", "expected a JSON object, got a list"),
        (
            "curl http://a.test/",
            "insomnia",
            "format",
            "unknown format 'insomnia'; expected one of " + ", ".join(FORMATS),
        ),
        ("wget http://a.test/", "curl", "curl", "expected a command line starting with 'curl'"),
        ('{"log": {"entries": {}}}', None, "log.entries", "expected a list, got an object"),
        (
            json.dumps({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/"}}),
            None,
            "info.schema",
            "expected a Postman collection v2.1 (export it as v2.1)",
        ),
    ],
)
def test_bad_inputs(text: str, format: str | None, path: str, message: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        import_plan(text, format=format)
    assert caught.value.path == path
    assert message in caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "format"),
    [
        (_postman(), "postman"),
        (json.dumps(HAR), "har"),
        (CHROME_CURL, "curl"),
        ("  \n curl \\\n  http://a.test/", "curl"),
        (json.dumps(HAZARD), "hazard"),
        (json.dumps(plan_to_json(load_plan(EXAMPLES / "demo-shop.json"))), "plan"),
    ],
)
def test_every_import_is_a_valid_plan(text: str, format: str) -> None:
    detected = import_plan(text)
    explicit = import_plan(text, format=format)

    assert isinstance(detected, ImportResult)
    assert detected.format == explicit.format == format
    assert detected.plan == explicit.plan
    assert plan_to_json(parse_plan(json.loads(json.dumps(detected.plan)))) == detected.plan


def test_postman_step_with_a_test_not_converted_and_no_status_check_leaves_status_to_its_asserts() -> None:
    items = [
        {
            "name": "Gone",
            "event": [
                {
                    "listen": "test",
                    "script": {
                        "exec": [
                            "pm.test('gone is fine', () => {",
                            "  if (pm.response.code !== 410) { throw new Error('not gone'); }",
                            "});",
                            "pm.test('says why', () => pm.expect(pm.response.text()).to.include('gone'));",
                        ]
                    },
                }
            ],
            "request": {"method": "GET", "url": "http://api.example.test/old"},
        },
        {"name": "Plain", "request": {"method": "GET", "url": "http://api.example.test/new"}},
    ]
    result = import_plan(_postman(item=items, variable=[], auth=None))

    gone, plain = result.plan["tasks"][0]["steps"]
    assert gone["failOnErrorStatus"] is False
    assert gone["assert"] == [{"on": "BODY", "op": "CONTAINS", "value": "gone", "name": "says why"}]
    assert "failOnErrorStatus" not in plain
    assert [(warning.step, warning.message) for warning in result.warnings] == [
        (
            "tasks[0].steps[0]",
            "item 'Gone': test script line 2: an if statement not converted: "
            "if (pm.response.code !== 410) { throw new Error('not gone'); }",
        ),
        (
            "tasks[0].steps[0]",
            "item 'Gone': a test was not converted and none that was checks the status, so the step does not fail "
            "on 4xx or 5xx (failOnErrorStatus false), as Postman does not",
        ),
    ]


def test_postman_collection_and_folder_scripts_apply_to_every_request_in_them() -> None:
    collection_test = {"listen": "test", "script": {"exec": ["pm.test('up', () => pm.response.to.be.success);"]}}
    folder_pre = {"listen": "prerequest", "script": {"exec": ["pm.variables.set('ts', Date.now());"]}}
    items = [
        {
            "name": "Folder",
            "event": [folder_pre, {"listen": "test", "script": {"exec": ["pm.sendRequest('http://a.test');"]}}],
            "item": [{"name": "A", "request": {"url": "http://api.example.test/a?t={{ts}}"}}],
        },
        {"name": "B", "request": {"url": "http://api.example.test/b"}},
    ]
    result = import_plan(_postman(item=items, variable=[], auth=None, event=[collection_test]))

    ((a, b),) = (task["steps"] for task in result.plan["tasks"])
    up = {"on": "STATUS", "op": "MATCHES", "value": "^2\\d\\d$", "name": "up"}
    assert a["assert"] == [up] and b["assert"] == [up]
    assert a["assign"] == {"ts": "${__timestamp}"} and "assign" not in b
    assert a["params"] == {"t": "${ts}"}
    assert [(warning.step, warning.message) for warning in result.warnings] == [
        ("", "folder 'Folder': test script line 1: pm.sendRequest not converted: pm.sendRequest('http://a.test');")
    ]


def test_postman_api_key_goes_where_postman_sends_it_and_basic_auth_needs_known_variables() -> None:
    def api_key(where: str) -> dict[str, Any]:
        entries = [
            {"key": "key", "value": "X-Api-Key"},
            {"key": "value", "value": "{{key}}"},
            {"key": "in", "value": where},
        ]
        return {"type": "apikey", "apikey": entries}

    items = [
        {"name": "Header", "request": {"url": "http://api.example.test/a", "auth": api_key("header")}},
        {"name": "Query", "request": {"url": "http://api.example.test/b?x=1", "auth": api_key("query")}},
        {
            "name": "Basic",
            "request": {
                "url": "http://api.example.test/c",
                "auth": {"type": "basic", "basic": {"username": "{{user}}", "password": "{{secret}}"}},
            },
        },
    ]
    result = import_plan(_postman(item=items, auth=None, variable=[{"key": "key", "value": "k1"}]))

    header, query, basic = result.plan["tasks"][0]["steps"]
    assert header["headers"] == {"X-Api-Key": "${key}"}
    assert query["params"] == {"x": "1", "X-Api-Key": "${key}"}
    assert "headers" not in basic
    assert result.warnings[0].step == "tasks[0].steps[2]"
    assert result.warnings[0].message == (
        "item 'Basic': basic auth with a variable the collection does not define not converted; "
        "add an Authorization header"
    )


def test_a_warning_quoting_a_lone_surrogate_shows_it_escaped() -> None:
    result = import_plan(json.dumps({"MainTask": [{"TestWork": {"UrlPath": "http://a.test/"}}], "\ud800": 1}))
    assert result.messages == ["\\ud800: not a locust-hazard key; ignored"]


def test_har_web_socket_becomes_connect_sends_and_expects() -> None:
    socket = {
        "_resourceType": "websocket",
        "request": {
            "method": "GET",
            "url": "ws://127.0.0.1:8080/ws/feed?token=abc",
            "headers": [
                {"name": "Origin", "value": "http://127.0.0.1:8080"},
                {"name": "Sec-WebSocket-Key", "value": "x3JJHMbDL1EzLkh9GBhXDw=="},
                {"name": "Sec-WebSocket-Protocol", "value": "chat, superchat"},
                {"name": "Upgrade", "value": "websocket"},
            ],
        },
        "response": {"status": 101},
        "_webSocketMessages": [
            {"type": "send", "time": 1.0, "opcode": 1, "data": '{"type": "subscribe", "symbol": "ACME"}'},
            {"type": "receive", "time": 1.1, "opcode": 1, "data": '{"type": "subscribed", "symbol": "ACME"}'},
            {"type": "receive", "time": 1.3, "opcode": 1, "data": '{"type": "quote", "price": 1}'},
            {"type": "receive", "time": 1.5, "opcode": 1, "data": '{"type": "quote", "price": 2}'},
            {"type": "send", "time": 2.0, "opcode": 2, "data": "AAE="},
            {"type": "receive", "time": 2.1, "opcode": 2, "data": "AAE="},
        ],
    }
    page = {
        "request": {"method": "GET", "url": "http://127.0.0.1:8080/shop", "headers": []},
        "response": {"status": 200},
    }
    result = import_plan(json.dumps({"log": {"entries": [page, socket]}}))

    steps = result.plan["tasks"][0]["steps"]
    assert steps[1:] == [
        {
            "name": "CONNECT /ws/feed?token=abc",
            "ws": {
                "action": "CONNECT",
                "url": "/ws/feed?token=abc",
                "headers": {"Origin": "http://127.0.0.1:8080"},
                "subprotocols": ["chat", "superchat"],
            },
        },
        {"ws": {"action": "SEND", "text": '{"type": "subscribe", "symbol": "ACME"}'}},
        {
            "ws": {
                "action": "EXPECT",
                "timeoutS": 10,
                "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "subscribed"}],
            }
        },
        {"ws": {"action": "SEND", "binary": "AAE="}},
        {"ws": {"action": "EXPECT", "timeoutS": 10}},
    ]
    assert result.messages == [
        "log.entries[1]: 2 received message(s) not after a send (pushes) are not expected; "
        "add an EXPECT for those the test waits for",
        "log.entries[1]: the WebSocket's messages are replayed as soon as it opens, in the order recorded",
    ]


def test_postman_web_socket_url_becomes_a_connect_and_says_what_the_format_lacks() -> None:
    items = [{"name": "feed", "request": {"method": "GET", "url": "ws://127.0.0.1:8080/ws/feed?token={{token}}"}}]
    result = import_plan(_postman(item=items, auth=None, variable=[{"key": "token", "value": "t"}]))

    (step,) = result.plan["tasks"][0]["steps"]
    assert step == {"name": "feed", "ws": {"action": "CONNECT", "url": "ws://127.0.0.1:8080/ws/feed?token=${token}"}}
    assert [(warning.step, warning.message) for warning in result.warnings] == [
        (
            "tasks[0].steps[0]",
            "item 'feed': a WebSocket URL: Postman's collection format v2.1 carries no WebSocket messages, "
            "so only the CONNECT is imported; add SEND and EXPECT steps",
        )
    ]
