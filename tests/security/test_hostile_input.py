"""Bad input to every form and endpoint: refused by name, never a 500, nothing saved changed.

Hypothesis sends huge and empty strings, wrong types, NUL and lone surrogates, right-to-left
and emoji text, HTML and SQL-ish strings, far dates, NaN and infinities. The API must answer
400 with a message under the field's name; a page must show its form again with the field's
error. Two patients' rows are compared before and after every refused request. A hostile
value that is fair input (a name or a note may contain ``<script>``) must come back escaped
on every page that shows it.
"""

import json
import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from tests.security.fuzz_cases import (
    API,
    PAGES,
    PARTNERS,
    World,
    entry_body,
    entry_form,
    pages_showing_notes,
    today,
)
from tests.security.fuzz_data import AUTH, P256DH, make_patient, snapshot
from tests.security.fuzz_hostile import (
    BOUNDED,
    HOSTILE_PATHS,
    ISDIGIT_TRAPS,
    MISSING,
    NOT_PUSH_SERVICES,
    PRIVATE_NETWORKS,
    assert_escaped,
    assert_form_refusal,
    assert_json_refusal,
    form_text,
    form_value,
    has_non_finite,
    json_value,
    send_json,
    url_of,
)
from triage.knowledge import FINDING_IDS


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Every sign-in, password change and deletion checks a password; the real hasher would
    # make these tests take minutes. What is tested is the input, not the hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    owner = make_patient("owner@test.example")
    other = make_patient("other@test.example")
    client = Client()
    client.force_login(owner)
    return World(owner, other, client)


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", API, ids=lambda api: api.name)
@BOUNDED
@given(data=st.data())
def test_an_api_field_with_a_hostile_value_is_refused_by_name(world, api, data):
    field = data.draw(st.sampled_from(api.fields), label="field")
    value = data.draw(st.one_of(st.just(MISSING), json_value), label="value")
    body = api.body(world)
    if value is MISSING:
        body.pop(field, None)
    else:
        body[field] = value
    before = world.snapshots()
    response = send_json(world.client, api.method, api.url(world), body)
    event(f"{field}: {response.status_code}")
    if has_non_finite(value):
        assert_json_refusal(response)  # not JSON at all: a parse error, under "detail"
    elif response.status_code < 300:
        api.after_accept(world)
    elif response.status_code == 404 and api.not_found_ok:
        pass
    else:
        assert_json_refusal(response, field, *PARTNERS.get(field, ()))
    if response.status_code >= 300:
        assert world.snapshots() == before
    assert snapshot(world.other) == before[1]


@pytest.mark.parametrize("api", API, ids=lambda api: api.name)
@BOUNDED
@given(body=json_value)
def test_an_api_body_of_any_shape_is_never_a_server_error(world, api, body):
    before = world.snapshots()
    response = send_json(world.client, api.method, api.url(world), body)
    assert response.status_code in (200, 201, 204, 400, 404), response.content[:300]
    if response.status_code >= 300:
        assert world.snapshots() == before


@BOUNDED
@given(query=st.dictionaries(st.sampled_from(["since", "until", "page"]), form_text, max_size=3))
def test_the_diary_list_takes_any_query(world, query):
    response = world.client.get("/api/v1/diary/entries/", query)
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code == 400:
        assert set(response.json()) <= {"since", "until", "page"}  # a NUL in any of them


@BOUNDED
@given(
    endpoint=st.one_of(
        st.one_of(*(st.ip_addresses(network=network) for network in PRIVATE_NETWORKS)).map(url_of),
        st.sampled_from(NOT_PUSH_SERVICES),
    )
)
def test_a_push_endpoint_off_the_public_internet_is_refused(world, settings, endpoint):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = False
    body = {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}}
    before = world.snapshots()
    response = send_json(world.client, "post", "/api/v1/push-subscriptions/", body)
    assert response.status_code == 400 and "endpoint" in response.json(), response.content
    assert world.snapshots() == before


def test_a_nul_in_the_user_agent_is_not_stored(world):
    body = {
        "endpoint": "https://push.example.net/send/new",
        "keys": {"p256dh": P256DH, "auth": AUTH},
    }
    url = "/api/v1/push-subscriptions/"
    response = world.client.post(
        url, json.dumps(body), content_type="application/json", headers={"User-Agent": "a\x00b"}
    )
    assert response.status_code == 201
    assert world.owner.push_subscriptions.get(endpoint=body["endpoint"]).user_agent == "ab"


def test_a_lone_surrogate_quoted_in_an_error_is_still_answered(world):
    """A 400 that repeats the bad value back used to fail to encode, as a 500."""
    response = send_json(
        world.client, "post", "/api/v1/triage/assessments/", {"answers": {"\ud800": 1}}
    )
    assert_json_refusal(response, "answers")
    body = entry_body(world) | {"swelling": "\udfff"}
    response = send_json(world.client, "put", f"/api/v1/diary/entries/{uuid.uuid4()}/", body)
    assert_json_refusal(response, "swelling")


def test_a_number_is_not_an_assessment_id(world):
    for value in (False, 0, 7, 2**127):
        body = {"id": value, "answers": {}}
        response = send_json(world.client, "post", "/api/v1/triage/assessments/", body)
        assert_json_refusal(response, "id")


def test_an_empty_date_bound_is_refused_not_ignored(world):
    response = world.client.get("/api/v1/diary/entries/?since=&until=2026-01-01")
    assert_json_refusal(response, "since")


def test_a_body_too_large_is_refused(world):
    notes = "x" * (3 * 1024 * 1024)
    before = world.snapshots()
    body = entry_body(world) | {"notes": notes}
    response = send_json(world.client, "put", f"/api/v1/diary/entries/{world.entry.pk}/", body)
    assert response.status_code in (400, 413)
    response = world.client.post("/diary/", {"id": str(uuid.uuid4()), "notes": notes})
    assert response.status_code in (400, 413)
    assert world.snapshots() == before


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
@BOUNDED
@given(data=st.data())
def test_a_form_with_a_hostile_value_is_shown_again_with_its_error(world, page, data):
    field = data.draw(st.sampled_from(page.fields), label="field")
    value = data.draw(form_value, label="value")
    post = page.data(world)
    if value is MISSING:
        post.pop(field, None)
    else:
        post[field] = value
    response = post_and_check(world, page, field, post)
    event(f"{field}: {response.status_code}")


def post_and_check(world, page, field: str, post: dict):
    """Post ``post`` to ``page``: taken (302), or refused naming ``field`` with nothing saved
    changed; the other patient's data untouched either way."""
    client = world.client if page.signed_in else Client()
    before = world.snapshots()
    response = client.post(page.url(world), post)
    if response.status_code == 302:
        page.after_accept(world)
    else:
        assert_form_refusal(response, field, *PARTNERS.get(field, ()))
        assert world.snapshots() == before
    assert snapshot(world.other) == before[1]
    return response


def takes_digits(fields, valid: dict) -> list[str]:
    return [field for field in fields if any(c.isdigit() for c in str(valid.get(field, "")))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_isdigit_trap_in_every_field_of_every_form_is_a_refusal_or_a_number(world, page):
    """Not drawn at random: each trap in each field that takes digits (numbers, dates, times:
    the valid submission has a digit there), so none is left to chance."""
    for field in takes_digits(page.fields, page.data(world)):
        for value in ISDIGIT_TRAPS:
            post_and_check(world, page, field, {**page.data(world), field: value})


@pytest.mark.parametrize("api", API, ids=lambda api: api.name)
def test_every_isdigit_trap_in_every_api_field_is_refused_by_name_or_taken(world, api):
    for field in takes_digits(api.fields, api.body(world)):
        for value in ISDIGIT_TRAPS:
            body = {**api.body(world), field: value}
            before = world.snapshots()
            response = send_json(world.client, api.method, api.url(world), body)
            if response.status_code < 300:
                api.after_accept(world)
            elif not (response.status_code == 404 and api.not_found_ok):
                assert_json_refusal(response, field, *PARTNERS.get(field, ()))
                assert world.snapshots() == before
            assert snapshot(world.other) == before[1]


def screen_ids() -> list[str]:
    from triage.knowledge import load_knowledge

    return [screen["id"] for screen in load_knowledge()["screens"]]


as_json_text = json_value.map(lambda value: json.dumps(value, allow_nan=True))
checker_fields = st.dictionaries(
    st.sampled_from(["screen", "answers", "action", "change", "review", *FINDING_IDS[:12]]),
    st.one_of(form_text, as_json_text, st.sampled_from(["next", "back", "yes", "no", "1"])),
    max_size=6,
)


@BOUNDED
@given(fields=checker_fields, screen=st.sampled_from(screen_ids()), htmx=st.booleans())
def test_the_checker_takes_any_step_without_a_server_error(fields, screen, htmx):
    post = {"screen": screen} | fields
    headers = {"HX-Request": "true"} if htmx else {}
    response = Client().post("/triage/", post, headers=headers)
    assert response.status_code == 200
    assert_escaped(response.content.decode())


@BOUNDED
@given(
    fields=st.dictionaries(
        st.sampled_from(["answers", "id", "then"]), st.one_of(form_text, as_json_text), max_size=3
    )
)
def test_saving_a_result_with_hostile_fields_only_adds_a_checked_result(world, fields):
    before = world.snapshots()
    response = world.client.post("/triage/save/", fields)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    after = world.snapshots()
    assert after[1] == before[1]
    assert {key: rows for key, rows in after[0].items() if key != "assessments"} == {
        key: rows for key, rows in before[0].items() if key != "assessments"
    }
    assert all(row in after[0]["assessments"] for row in before[0]["assessments"])


@BOUNDED
@given(field=st.sampled_from(["schedule", "date"]), value=form_value)
def test_marking_done_with_hostile_fields_changes_nothing_else(world, field, value):
    post = {"schedule": str(world.schedule.pk), "date": today()}
    if value is MISSING:
        post.pop(field)
    else:
        post[field] = value
    before = world.snapshots()
    response = world.client.post("/plan/done/", post)
    assert response.status_code in (302, 404)
    after = world.snapshots()
    assert after[1] == before[1]
    assert {key: rows for key, rows in after[0].items() if key != "done"} == {
        key: rows for key, rows in before[0].items() if key != "done"
    }


@BOUNDED
@given(
    template=st.sampled_from(HOSTILE_PATHS),
    segment=st.one_of(form_text, st.sampled_from(["0001-01-01", "9999-12-31", "-5"])),
    method=st.sampled_from(["get", "post"]),
)
def test_a_hostile_url_is_answered_without_a_server_error(world, template, segment, method):
    before = world.snapshots()
    url = template.replace("{}", quote(segment, safe=""))
    response = getattr(world.client, method)(url)
    assert response.status_code in (200, 302, 400, 404, 405), (url, response.status_code)
    if response.get("Content-Type", "").startswith("text/html"):
        assert_escaped(response.content.decode())
    assert world.snapshots() == before


@pytest.mark.parametrize(
    "query",
    ["start=0001-01-01&end=9999-12-31", "start=9999-12-30&end=9999-12-31", "end=0001-01-01"],
)
def test_a_report_of_far_dates_is_refused_by_field(world, query):
    """The report's plan section worked a day past 9999-12-31 out: a 500."""
    response = world.client.get(f"/diary/report/?{query}")
    assert response.status_code == 200
    assert set(response.context["form"].errors) & {"start", "end"}
    assert world.client.get(f"/diary/report.csv?{query}").status_code == 200


NOT_UTF8 = (
    b"notes=%ED%A0%80&pain=3",  # a lone surrogate, as UTF-8 bytes
    b"notes=%FF%FE%00&pain=%00",
    b"name=\xc3\x28&time_zone=%C0%AF",
    b"\xff\xfe\x00\x00",
    b"=&=&&==&%",
    b"a=" + b"%" * 1000,
)


@pytest.mark.parametrize(
    "url", ["/diary/", "/account/", "/plan/preferences/", "/triage/", "/triage/save/"]
)
def test_a_form_body_that_is_not_utf8_is_answered_without_a_server_error(world, url):
    before = world.snapshots()
    for body in NOT_UTF8:
        response = world.client.generic(
            "POST", url, body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code in (200, 302, 400), (body, response.status_code)
    if url != "/triage/save/":  # saving a result with unreadable answers saves an empty one
        assert world.snapshots() == before


def test_hostile_text_that_is_accepted_comes_back_escaped_everywhere(world):
    name = '"><script>alert(1)</script>'
    notes = "=1+1 </textarea><script>alert(1)</script><img src=x onerror=alert(1)>"
    profile = PAGES[3].data(world) | {"name": name}
    assert world.client.post("/account/", profile).status_code == 302
    page = world.client.get("/account/").content.decode()
    assert_escaped(page)
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    entry = entry_form(uuid.uuid4()) | {"notes": notes}
    assert world.client.post("/diary/", entry).status_code == 302
    pages_showing_notes(world)
    history = world.client.get("/diary/history/").content.decode()
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in history
    csv = world.client.get(f"/diary/report.csv?start={today()}&end={today()}").content.decode()
    assert "'=1+1" in csv  # a spreadsheet must not run it as a formula
    api = world.client.get(f"/api/v1/diary/entries/{entry['id']}/")
    assert api.json()["notes"] == notes and api["X-Content-Type-Options"] == "nosniff"
