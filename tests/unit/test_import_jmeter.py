"""Importing JMeter test plans (.jmx): the plan each construct becomes, the warnings it gives, the input it refuses."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest

from locust_ext.plan.importers import ImportFailed, ImportResult, import_plan

pytestmark = pytest.mark.unit

GROUP_WARNINGS = [
    "ThreadGroup 'users': a failing step ends the task's iteration (JMeter's action after a sampler error was "
    "'continue')",
]


def prop(name: str, value: str, kind: str = "stringProp") -> str:
    return f'<{kind} name="{name}">{escape(value)}</{kind}>'


def element(kind: str, name: str, *props: str, children: str | None = None, enabled: bool = True) -> str:
    """An element and the hashTree of its children, as JMeter saves them."""
    on = "true" if enabled else "false"
    tree = f"<hashTree>{children}</hashTree>" if children is not None else "<hashTree/>"
    return f'<{kind} testclass="{kind}" testname="{name}" enabled="{on}">{"".join(props)}</{kind}>{tree}'


def argument_list(*pairs: tuple[str, str]) -> str:
    items = "".join(
        f'<elementProp name="{key}" elementType="HTTPArgument">{prop("Argument.name", key)}'
        f"{prop('Argument.value', value)}</elementProp>"
        for key, value in pairs
    )
    return f'<collectionProp name="Arguments.arguments">{items}</collectionProp>'


def arguments(*pairs: tuple[str, str], name: str = "HTTPsampler.Arguments") -> str:
    return f'<elementProp name="{name}" elementType="Arguments">{argument_list(*pairs)}</elementProp>'


def sampler(name: str, path: str, *props: str, children: str = "", method: str = "GET") -> str:
    return element(
        "HTTPSamplerProxy",
        name,
        prop("HTTPSampler.path", path),
        prop("HTTPSampler.method", method),
        prop("HTTPSampler.follow_redirects", "true", "boolProp"),
        *props,
        children=children,
    )


def thread_group(children: str, *props: str, name: str = "users", users: str = "1", loops: str = "-1") -> str:
    loop = (
        '<elementProp name="ThreadGroup.main_controller" elementType="LoopController">'
        f"{prop('LoopController.loops', loops)}</elementProp>"
    )
    return element(
        "ThreadGroup",
        name,
        prop("ThreadGroup.num_threads", users),
        prop("ThreadGroup.ramp_time", "0"),
        loop,
        *props,
        children=children,
    )


def jmx(*top: str, plan_props: str = "", name: str = "shop") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<jmeterTestPlan version="1.2"><hashTree>'
        f'<TestPlan testclass="TestPlan" testname="{name}" enabled="true">{plan_props}</TestPlan>'
        f"<hashTree>{''.join(top)}</hashTree></hashTree></jmeterTestPlan>"
    )


DEFAULTS = element(
    "ConfigTestElement",
    "HTTP Request Defaults",
    prop("HTTPSampler.domain", "127.0.0.1"),
    prop("HTTPSampler.port", "8080"),
    prop("HTTPSampler.protocol", "http"),
)


def one_sampler(children: str, path: str = "/api", *props: str, method: str = "GET") -> ImportResult:
    return import_plan(jmx(DEFAULTS, thread_group(sampler("s", path, *props, children=children, method=method))))


def first_step(result: ImportResult) -> dict[str, Any]:
    return result.plan["tasks"][0]["steps"][0]


def response_assertion(name: str, field: str, test_type: int, *patterns: str, ignore_status: bool = False) -> str:
    strings = "".join(prop(str(index), pattern) for index, pattern in enumerate(patterns))
    return element(
        "ResponseAssertion",
        name,
        f'<collectionProp name="Asserion.test_strings">{strings}</collectionProp>',
        prop("Assertion.test_field", field),
        prop("Assertion.test_type", str(test_type), "intProp"),
        prop("Assertion.assume_success", "true" if ignore_status else "false", "boolProp"),
    )


def regex_extractor(regex: str, template: str = "$1$", number: str = "1", against: str = "false") -> str:
    return element(
        "RegexExtractor",
        "rx",
        prop("RegexExtractor.useHeaders", against),
        prop("RegexExtractor.refname", "v"),
        prop("RegexExtractor.regex", regex),
        prop("RegexExtractor.template", template),
        prop("RegexExtractor.default", "none"),
        prop("RegexExtractor.match_number", number),
    )


# The whole plan.


def test_a_plan_with_defaults_a_sampler_and_a_thread_group() -> None:
    result = import_plan(jmx(DEFAULTS, thread_group(sampler("home", "/"), users="5")))
    assert result.format == "jmeter"
    assert result.plan == {
        "name": "shop",
        "host": "http://127.0.0.1:8080",
        "session": False,
        "tasks": [{"name": "users", "steps": [{"name": "home", "url": "/"}]}],
        "load": {"step": {"usersPerStep": 5, "stepDurationS": 1.0, "maxUsers": 5}},
    }
    assert result.messages == GROUP_WARNINGS


def test_variables_data_sets_and_cookies_act_on_the_whole_test() -> None:
    udv = arguments(("base", "127.0.0.1"), ("greeting", "${__P(hello)}"), name="TestPlan.user_defined_variables")
    csv = element(
        "CSVDataSet",
        "logins",
        prop("filename", "data/users.csv"),
        prop("variableNames", "user,pass"),
        prop("delimiter", ";"),
        prop("shareMode", "shareMode.thread"),
        prop("recycle", "false", "boolProp"),
    )
    cookies = element("CookieManager", "cookies", prop("CookieManager.clearEachIteration", "true", "boolProp"))
    login = sampler("login", "/login", arguments(("u", "${user}"), ("p", "${pass}")), method="POST")
    result = import_plan(jmx(csv, cookies, thread_group(login), plan_props=udv))
    assert result.plan["variables"] == {"base": "127.0.0.1", "greeting": "${__P(hello)}"}
    assert result.plan["dataSets"] == [{"name": "users", "file": "data/users.csv"}]
    assert result.plan["session"] is True
    assert first_step(result)["form"] == {"u": "${users.user}", "p": "${users.pass}"}
    assert result.messages == [
        "User Defined Variable 'greeting' = '${__P(hello)}': a plan's variables are not templates; the text is kept "
        "as written",
        "CSVDataSet 'logins': supply data/users.csv next to the plan file, comma-separated (JMeter's file uses ';') "
        "with the header row 'user,pass' (JMeter's file has none: it names the columns); its columns are "
        "${users.<column>} in the plan",
        "CSVDataSet 'logins': the plan starts the file over at its end (JMeter would stop)",
        "CSVDataSet 'logins': rows are shared by the users of a process (JMeter: shareMode.thread)",
        "CookieManager 'cookies': each user keeps its cookies for its whole life (JMeter clears them each iteration)",
        *GROUP_WARNINGS,
    ]


def test_a_data_set_without_variable_names_leaves_references_to_the_user() -> None:
    csv = element("CSVDataSet", "rows", prop("filename", "rows.csv"))
    result = import_plan(jmx(csv, thread_group(sampler("s", "/"))))
    assert result.plan["dataSets"] == [{"name": "rows", "file": "rows.csv"}]
    assert result.messages[0] == (
        "CSVDataSet 'rows': supply rows.csv next to the plan file, comma-separated with a header row; JMeter's "
        "${column} references were not rewritten (the import cannot read the file's header): write ${rows.column}"
    )


def test_the_variables_of_the_host_are_put_in() -> None:
    udv = element("Arguments", "vars", argument_list(("server", "shop.test")))
    defaults = element(
        "ConfigTestElement",
        "d",
        prop("HTTPSampler.domain", "${server}"),
        prop("HTTPSampler.port", "443"),
        prop("HTTPSampler.protocol", "https"),
    )
    result = import_plan(jmx(udv, defaults, thread_group(sampler("s", "items"))))
    assert result.plan["host"] == "https://shop.test"
    assert first_step(result)["url"] == "/items"


# Thread groups and load.


def test_a_scheduled_thread_group_ramps_then_holds_for_its_duration() -> None:
    group = thread_group(
        sampler("s", "/"),
        prop("ThreadGroup.scheduler", "true", "boolProp"),
        prop("ThreadGroup.duration", "60"),
        users="10",
    ).replace('"ThreadGroup.ramp_time">0<', '"ThreadGroup.ramp_time">20<')
    result = import_plan(jmx(DEFAULTS, group))
    assert result.plan["load"] == {"stages": [{"durationS": 20.0, "users": 10}, {"durationS": 40.0, "users": 10}]}


def test_loops_that_cannot_be_counted_say_what_the_plan_does_instead() -> None:
    result = import_plan(jmx(DEFAULTS, thread_group(sampler("s", "/"), users="3", loops="10")))
    assert result.plan["load"] == {"step": {"usersPerStep": 3, "stepDurationS": 1.0, "maxUsers": 3}}
    assert result.messages == [
        *GROUP_WARNINGS,
        "ThreadGroup 'users': a plan cannot count iterations (JMeter: 10 per user); its users run until -t or Stop",
    ]


def test_several_thread_groups_are_tasks_weighted_by_their_users() -> None:
    browse = thread_group(sampler("list", "/items"), name="browse", users="6")
    buy = thread_group(sampler("cart", "/cart", method="POST"), name="buy", users="2")
    result = import_plan(jmx(DEFAULTS, browse, buy))
    assert [(task["name"], task["weight"]) for task in result.plan["tasks"]] == [("browse", 6), ("buy", 2)]
    assert result.plan["load"] == {"step": {"usersPerStep": 8, "stepDurationS": 1.0, "maxUsers": 8}}
    assert result.messages[-1] == (
        "2 thread groups merged into one load: 8 users in all (6 + 2), ramped up over the longest ramp-up (0 s); "
        "each iteration a user picks a task weighted by its group's users"
    )


def test_a_thread_group_count_that_is_not_a_number_is_replaced() -> None:
    result = import_plan(jmx(DEFAULTS, thread_group(sampler("s", "/"), users="${__P(users)}")))
    assert result.plan["load"]["step"]["maxUsers"] == 1
    assert (
        "ThreadGroup 'users': ThreadGroup.num_threads '${__P(users)}' is not a number the plan can use; 1 instead"
        in (result.messages)
    )


# Samplers.


def test_query_arguments_form_arguments_and_a_raw_body() -> None:
    search = sampler("search", "/search", arguments(("q", "socks"), ("page", "2")))
    form = sampler("contact", "/contact", arguments(("email", "a@b.test")), method="POST")
    raw = sampler(
        "cart",
        "/cart",
        prop("HTTPSampler.postBodyRaw", "true", "boolProp"),
        arguments(("", '{"itemId": ${id}}')),
        prop("HTTPSampler.response_timeout", "2500"),
        method="POST",
    )
    result = import_plan(jmx(DEFAULTS, thread_group(search + form + raw)))
    assert result.plan["tasks"][0]["steps"] == [
        {"name": "search", "url": "/search", "params": {"q": "socks", "page": "2"}},
        {"name": "contact", "method": "POST", "url": "/contact", "form": {"email": "a@b.test"}},
        {"name": "cart", "method": "POST", "url": "/cart", "body": '{"itemId": ${id}}', "timeoutS": 2.5},
    ]


def test_a_sampler_with_its_own_server_takes_the_defaults_it_leaves_out() -> None:
    other = element(
        "HTTPSamplerProxy",
        "other",
        prop("HTTPSampler.domain", "api.test"),
        prop("HTTPSampler.protocol", "https"),
        prop("HTTPSampler.path", "/v1"),
    )
    result = import_plan(jmx(DEFAULTS, thread_group(sampler("home", "/") + other)))
    assert result.plan["tasks"][0]["steps"][1] == {
        "name": "other",
        "url": "https://api.test:8080/v1",
        "followRedirects": False,
    }


def test_header_managers_apply_to_their_level_and_below_the_nearest_winning() -> None:
    def headers(name: str, *pairs: tuple[str, str]) -> str:
        items = "".join(
            f'<elementProp name="" elementType="Header">{prop("Header.name", key)}{prop("Header.value", value)}'
            "</elementProp>"
            for key, value in pairs
        )
        return element("HeaderManager", name, f'<collectionProp name="HeaderManager.headers">{items}</collectionProp>')

    outer = headers("outer", ("Accept", "text/html"), ("X-Suite", "jmx"))
    own = headers("own", ("accept", "application/json"))
    steps = sampler("first", "/a", children=own) + sampler("second", "/b")
    result = import_plan(jmx(DEFAULTS, outer, thread_group(steps)))
    first, second = result.plan["tasks"][0]["steps"]
    assert first["headers"] == {"X-Suite": "jmx", "accept": "application/json"}
    assert second["headers"] == {"Accept": "text/html", "X-Suite": "jmx"}


def test_controllers_keep_their_samplers_in_order_in_the_task() -> None:
    simple = element("GenericController", "browse", children=sampler("a", "/a") + sampler("b", "/b"))
    transaction = element("TransactionController", "checkout", children=sampler("c", "/c"))
    loop = element("LoopController", "twice", children=sampler("d", "/d"))
    result = import_plan(jmx(DEFAULTS, thread_group(simple + transaction + loop)))
    assert [step["name"] for step in result.plan["tasks"][0]["steps"]] == ["a", "b", "c", "d"]
    assert result.messages == [
        "TransactionController 'checkout': its samplers are steps of the task; the transaction's own row (their total "
        "time) is not reported",
        "LoopController 'twice' not converted; its samplers are steps that run every iteration, as in a Simple "
        "Controller",
        *GROUP_WARNINGS,
    ]


def test_disabled_elements_are_skipped_silently_and_listeners_listed_once() -> None:
    disabled = element("HTTPSamplerProxy", "off", prop("HTTPSampler.path", "/off"), enabled=False)
    tree = element("ResultCollector", "View Results Tree")
    inner = element("ResultCollector", "Summary Report")
    result = import_plan(jmx(DEFAULTS, tree, thread_group(sampler("on", "/on", children=inner) + disabled)))
    assert [step["name"] for step in result.plan["tasks"][0]["steps"]] == ["on"]
    assert result.messages == [
        *GROUP_WARNINGS,
        "listeners ignored (they do not change the load): ResultCollector 'View Results Tree', ResultCollector "
        "'Summary Report'",
    ]


def test_elements_that_cannot_be_expressed_are_named() -> None:
    children = element("BeanShellPreProcessor", "sign") + element("GaussianRandomTimer", "wait")
    result = one_sampler(children, "/", prop("HTTPSampler.DO_MULTIPART_POST", "true", "boolProp"))
    assert result.messages[:3] == [
        "HTTPSamplerProxy 's': sent as application/x-www-form-urlencoded, not multipart",
        "BeanShellPreProcessor 'sign' not converted",
        "GaussianRandomTimer 'wait' not converted",
    ]
    assert result.warnings[0].step == "tasks[0].steps[0]"


def test_timers_become_the_think_time_of_an_iteration() -> None:
    constant = element("ConstantTimer", "c", prop("ConstantTimer.delay", "300"))
    uniform = element("UniformRandomTimer", "u", prop("ConstantTimer.delay", "100"), prop("RandomTimer.range", "400"))
    result = import_plan(
        jmx(DEFAULTS, thread_group(constant + sampler("a", "/a", children=uniform) + sampler("b", "/b")))
    )
    assert result.plan["tasks"][0]["thinkTime"] == {"minS": 0.7, "maxS": 1.1}
    assert result.messages[-1] == (
        "ThreadGroup 'users': the timers' pauses (0.7-1.1 s per iteration) are one think time after the steps, not a "
        "pause before each sampler"
    )


# Functions and variables.


@pytest.mark.parametrize(
    ("written", "template", "warning"),
    [
        ("${__UUID()}", "${__uuid}", None),
        ("${__time()}", "${__timestamp}", None),
        ("${__threadNum}", "${__userId}", None),
        ("${__Random(1,50)}", "${__randomInt(1,50)}", None),
        (
            "${__Random(1,9,pick)}",
            "${__randomInt(1,9)}",
            "${__Random(1,9,pick)}: its third argument (the variable 'pick') is not set; the number is only sent",
        ),
        (
            "${__time(yyyy-MM-dd)}",
            "$${__time(yyyy-MM-dd)}",
            "JMeter function ${__time(yyyy-MM-dd)} not converted; it is sent as written",
        ),
        ("${my-id}", "${my_id}", "variable 'my-id' renamed 'my_id' (a name is letters, digits and '_')"),
        ("${id}", "${id}", None),
    ],
)
def test_functions_and_variables(written: str, template: str, warning: str | None) -> None:
    result = one_sampler("", f"/items/{written}")
    assert first_step(result)["url"] == f"/items/{template}"
    assert [message for message in result.messages if message not in GROUP_WARNINGS] == ([warning] if warning else [])


# Extractors.


@pytest.mark.parametrize(
    ("extractor", "save"),
    [
        (regex_extractor('id="(\\d+)"'), {"name": "v", "from": "REGEX", "expr": 'id="(\\d+)"', "default": "none"}),
        (regex_extractor("id=\\d+", "$0$"), {"name": "v", "from": "REGEX", "expr": "(id=\\d+)", "default": "none"}),
        (
            regex_extractor("Location: (.+)", against="true"),
            {"name": "v", "from": "HEADER", "expr": "Location", "default": "none"},
        ),
        (regex_extractor("(\\d+)", against="code"), {"name": "v", "from": "STATUS", "default": "none"}),
        (
            element(
                "XPathExtractor",
                "x",
                prop("XPathExtractor.refname", "csrf"),
                prop("XPathExtractor.xpathQuery", "//meta/@content"),
            ),
            {"name": "csrf", "from": "XPATH", "expr": "//meta/@content"},
        ),
        (
            element(
                "XPath2Extractor",
                "x2",
                prop("XPathExtractor2.refname", "title"),
                prop("XPathExtractor2.xpathQuery", "//h1"),
                prop("XPathExtractor2.default", "?"),
            ),
            {"name": "title", "from": "XPATH", "expr": "//h1", "default": "?"},
        ),
        (
            element(
                "BoundaryExtractor",
                "b",
                prop("BoundaryExtractor.refname", "price"),
                prop("BoundaryExtractor.lboundary", "$"),
                prop("BoundaryExtractor.rboundary", ".00"),
            ),
            {"name": "price", "from": "REGEX", "expr": "\\$([\\s\\S]*?)\\.00"},
        ),
    ],
)
def test_extractors_save(extractor: str, save: dict[str, str]) -> None:
    result = one_sampler(extractor)
    assert first_step(result)["save"] == [save]
    assert result.messages == GROUP_WARNINGS


def test_a_json_extractor_saves_each_of_its_names() -> None:
    extractor = element(
        "JSONPostProcessor",
        "j",
        prop("JSONPostProcessor.referenceNames", "token;user"),
        prop("JSONPostProcessor.jsonPathExprs", "$.token;$.user"),
        prop("JSONPostProcessor.match_numbers", "1;1"),
        prop("JSONPostProcessor.defaultValues", ";nobody"),
    )
    assert first_step(one_sampler(extractor))["save"] == [
        {"name": "token", "from": "JSONPATH", "expr": "$.token"},
        {"name": "user", "from": "JSONPATH", "expr": "$.user", "default": "nobody"},
    ]


@pytest.mark.parametrize(
    ("extractor", "warning"),
    [
        (
            regex_extractor("(a)(b)", "$2$"),
            "RegexExtractor 'rx': template '$2$' is not expressible (a plan saves the first group, or the whole "
            "match); not converted",
        ),
        (
            regex_extractor("(a)", number="3"),
            "RegexExtractor 'rx': match number 3 is not expressible (a plan saves the first match); not converted",
        ),
        (regex_extractor("(a)", against="URL"), "RegexExtractor 'rx': a plan cannot extract from 'URL'; not converted"),
        (
            regex_extractor("^X-(.*)", against="true"),
            "RegexExtractor 'rx': regex '^X-(.*)' on the response headers is not 'Name: (.*)'; not converted",
        ),
        (
            regex_extractor("(a"),
            "RegexExtractor 'rx': '(a' is not a regex a plan can run (not a valid regular expression (missing ), "
            "unterminated subpattern at position 0)); not converted",
        ),
    ],
)
def test_extractors_that_cannot_be_expressed(extractor: str, warning: str) -> None:
    result = one_sampler(extractor)
    assert "save" not in first_step(result)
    assert result.messages == [warning, *GROUP_WARNINGS]


def test_a_random_match_saves_the_first() -> None:
    result = one_sampler(regex_extractor("(a)", number="0"))
    assert first_step(result)["save"] == [{"name": "v", "from": "REGEX", "expr": "(a)", "default": "none"}]
    assert result.messages[0] == "RegexExtractor 'rx': saves the first match (JMeter picks one at random)"


# Assertions.

DATA, CODE, HEADERS = "Assertion.response_data", "Assertion.response_code", "Assertion.response_headers"


@pytest.mark.parametrize(
    ("assertion", "checks"),
    [
        (response_assertion("a", DATA, 16, "ok", "done"), [("BODY", "CONTAINS", "ok"), ("BODY", "CONTAINS", "done")]),
        (response_assertion("a", DATA, 20, "error"), [("BODY", "NOT_CONTAINS", "error")]),
        (response_assertion("a", CODE, 8, "200"), [("STATUS", "EQ", "200")]),
        (response_assertion("a", CODE, 12, "500"), [("STATUS", "NE", "500")]),
        (response_assertion("a", DATA, 2, "o+k"), [("BODY", "MATCHES", "o+k")]),
        (response_assertion("a", DATA, 6, "o+k"), [("BODY", "MATCHES", "\\A(?![\\s\\S]*?(?:o+k))")]),
        (response_assertion("a", DATA, 1, "ok.*"), [("BODY", "MATCHES", "\\A(?:ok.*)\\Z")]),
        (response_assertion("a", DATA, 5, "ok.*"), [("BODY", "MATCHES", "\\A(?!(?:ok.*)\\Z)")]),
        (response_assertion("a", CODE, 40, "200", "201"), [("STATUS", "MATCHES", "(?:\\A200\\Z)|(?:\\A201\\Z)")]),
        (response_assertion("a", DATA, 16, "${user}"), [("BODY", "CONTAINS", "${user}")]),
    ],
)
def test_response_assertions(assertion: str, checks: list[tuple[str, str, str]]) -> None:
    result = one_sampler(assertion)
    expected = [{"on": on, "op": op, "value": value, "name": "a"} for on, op, value in checks]
    assert first_step(result)["assert"] == expected
    assert result.messages == GROUP_WARNINGS


def test_a_response_headers_assertion_checks_the_header_it_names() -> None:
    result = one_sampler(response_assertion("json", HEADERS, 16, "Content-Type: application/json"))
    assert first_step(result)["assert"] == [
        {"on": "HEADER", "expr": "Content-Type", "op": "CONTAINS", "value": "application/json", "name": "json"}
    ]


def test_ignore_status_leaves_the_status_to_the_assertions() -> None:
    result = one_sampler(response_assertion("gone", CODE, 8, "404", ignore_status=True))
    assert first_step(result)["failOnErrorStatus"] is False
    assert result.messages == GROUP_WARNINGS


def test_an_error_status_asserted_without_ignore_status_says_how_jmeter_differs() -> None:
    result = one_sampler(response_assertion("gone", CODE, 8, "404"))
    assert result.messages[0] == (
        "ResponseAssertion 'gone': JMeter fails a 4xx/5xx sample whatever this assertion says unless 'Ignore Status' "
        "is set; the plan's step passes when the status matches"
    )


@pytest.mark.parametrize(
    ("assertion", "warning"),
    [
        (
            response_assertion("m", "Assertion.response_message", 16, "OK"),
            "ResponseAssertion 'm': a plan cannot check the response message; not converted",
        ),
        (
            response_assertion("m", DATA, 52, "a", "b"),
            "ResponseAssertion 'm': 'Or' of its patterns cannot be expressed (negated, on the headers, or with "
            "variables); not converted",
        ),
        (
            response_assertion("m", HEADERS, 16, "no colon here"),
            "ResponseAssertion 'm': 'no colon here' on the response headers is not 'Name: value'; not converted",
        ),
    ],
)
def test_response_assertions_that_cannot_be_expressed(assertion: str, warning: str) -> None:
    result = one_sampler(assertion)
    assert "assert" not in first_step(result)
    assert result.messages == [warning, *GROUP_WARNINGS]


def json_assertion(*props: str) -> str:
    return element("JSONPathAssertion", "j", prop("JSON_PATH", "$.items"), *props)


@pytest.mark.parametrize(
    ("assertion", "check"),
    [
        (json_assertion(), {"on": "JSONPATH", "expr": "$.items", "op": "EXISTS"}),
        (json_assertion(prop("INVERT", "true")), {"on": "JSONPATH", "expr": "$.items", "op": "NOT_EXISTS"}),
        (
            json_assertion(prop("JSONVALIDATION", "true"), prop("EXPECTED_VALUE", "5")),
            {"on": "JSONPATH", "expr": "$.items", "op": "EQ", "value": "5"},
        ),
        (
            json_assertion(prop("JSONVALIDATION", "true"), prop("EXPECTED_VALUE", "\\d+"), prop("ISREGEX", "true")),
            {"on": "JSONPATH", "expr": "$.items", "op": "MATCHES", "value": "\\A(?:\\d+)\\Z"},
        ),
        (
            json_assertion(prop("JSONVALIDATION", "true"), prop("EXPECT_NULL", "true")),
            {"on": "JSONPATH", "expr": "$.items", "op": "TYPE", "value": "null"},
        ),
        (
            element("DurationAssertion", "j", prop("DurationAssertion.duration", "800")),
            {"on": "RESPONSE_TIME_MS", "op": "LE", "value": "800"},
        ),
        (
            element(
                "SizeAssertion",
                "j",
                prop("Assertion.test_field", "SizeAssertion.response_data"),
                prop("SizeAssertion.size", "100"),
                prop("SizeAssertion.operator", "5"),
            ),
            {"on": "BODY_LENGTH", "op": "GE", "value": "100"},
        ),
    ],
)
def test_json_duration_and_size_assertions(assertion: str, check: dict[str, str]) -> None:
    result = one_sampler(assertion)
    assert first_step(result)["assert"] == [{**check, "name": "j"}]
    assert result.messages == GROUP_WARNINGS


def test_a_size_assertion_on_the_full_response_checks_the_body() -> None:
    result = one_sampler(element("SizeAssertion", "big", prop("SizeAssertion.size", "10")))
    assert first_step(result)["assert"] == [{"on": "BODY_LENGTH", "op": "EQ", "value": "10", "name": "big"}]
    assert result.messages[0] == (
        "SizeAssertion 'big': the plan checks the body's length (JMeter measured the full response (headers and body))"
    )


def test_assertions_run_innermost_first_as_in_jmeter() -> None:
    outer = element("DurationAssertion", "outer", prop("DurationAssertion.duration", "900"))
    inner = response_assertion("inner", CODE, 8, "200")
    result = import_plan(jmx(DEFAULTS, thread_group(outer + sampler("s", "/", children=inner))))
    assert [check["name"] for check in first_step(result)["assert"]] == ["inner", "outer"]


# Input that cannot be a plan.


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        ("<jmeterTestPlan><hashTree>", "line 1 column 27", "not valid XML: no element found"),
        ("<testResults/>", "<testResults>", "expected a JMeter test plan, whose root element is <jmeterTestPlan>"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]><jmeterTestPlan/>',
            "line 2",
            "<!DOCTYPE refused: a JMeter test plan has no DTD or entities",
        ),
        ("<jmeterTestPlan><hashTree/></jmeterTestPlan>", "jmeterTestPlan > hashTree", "expected a TestPlan element"),
        (
            jmx(thread_group(element("HTTPSamplerProxy", "nowhere", prop("HTTPSampler.method", "GET")))),
            "TestPlan 'shop' > ThreadGroup 'users' > HTTPSamplerProxy 'nowhere' > HTTPSampler.path",
            "expected the path the sampler requests (it has none, nor has an HTTP Request Defaults in its scope)",
        ),
        (jmx(thread_group("")), "TestPlan 'shop'", "expected a Thread Group with an HTTP Request sampler; found none"),
    ],
)
def test_bad_input_is_refused_naming_the_place(text: str, path: str, message: str) -> None:
    with pytest.raises(ImportFailed) as failed:
        import_plan(text, "jmeter")
    assert (failed.value.path, failed.value.message) == (path, message)


def test_a_test_plan_is_recognised_by_its_root() -> None:
    assert import_plan(jmx(DEFAULTS, thread_group(sampler("s", "/")))).format == "jmeter"
    with pytest.raises(ImportFailed) as failed:
        import_plan("<html><body/></html>")
    assert failed.value.message.startswith("cannot tell the format")
