"""Hostile values for the bad-input tests, and what a refusal must look like.

Text a person may type is checked both ways: what is refused must be refused cleanly, and
what is accepted (a name or a note may well contain ``<script>``) must come back escaped.
"""

import json
import math

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
# What str.isdigit() calls a digit but int() may refuse or read otherwise: superscripts, a
# circled digit, fullwidth, Arabic-Indic, Devanagari, NKo and mathematical bold digits,
# Kharosthi's one (a digit to isdigit, not to int), and mixtures.
ISDIGIT_TRAPS = ["³", "²¹", "①", "３", "٣", "७", "߃", "𝟑", "\U00010a40", "1³", "٣3", "₃"]
HOSTILE_TEXTS = [
    "",
    " ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    SCRIPT,
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "' OR '1'='1",
    "'; DROP TABLE kneeapp_user; --",
    "%s%s%s%n",
    "%(name)s {0} {{ user }} {% debug %}",
    "\\",
    "../../../etc/passwd",
    "\r\nSet-Cookie: hacked=1",
    "\u202egnp.exe",  # right-to-left override
    "שלום עולם",
    "مرحبا",
    "😀👍🏽🦵",
    "e\u0301\u0301\u0301",
    "\u200b\ufeff",
    "ｓｃｒｉｐｔ",
    "NaN",
    "Infinity",
    "-1",
    "1e309",
    "99999999999999999999999",
    "١٢",
    *ISDIGIT_TRAPS,
    "0x10",
    "null",
    "true",
    "[]",
    "{}",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "-2026-01-01",
    "25:61",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "x" * 3000,
    "y" * 100_000,
    "😀" * 20_000,
]

# Form posts are encoded as UTF-8 by the test client, which cannot encode a lone surrogate;
# raw bytes that are not UTF-8 are sent separately.
form_text = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
)
# JSON can carry a lone surrogate (as an escape), so the API gets those too.
json_text = st.one_of(
    st.sampled_from(HOSTILE_TEXTS + ["\ud800", "a\udfffb", "\ud83d"]),
    st.text(max_size=60),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63, 10**100, -(10**100)]),
    st.floats(),  # includes NaN and infinities, which are not JSON at all
    json_text,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(json_text, children, max_size=4)
    ),
    max_leaves=8,
)
# Leave the field out of the request altogether.
MISSING = object()
form_value = st.one_of(st.just(MISSING), form_text, st.lists(form_text, min_size=2, max_size=3))

PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "::ffff:10.0.0.0/104",
)
NOT_PUSH_SERVICES = (
    "http://push.example.net/send/1",
    "ftp://push.example.net/send/1",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://localhost/send/1",
    "https://LOCALHOST./send/1",
    "https://push.localhost/send/1",
    "https://printer.local/send/1",
    "https://intranet/send/1",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://push.example.net:8443/send/1",
    "https://user:secret@push.example.net/send/1",
    "https://2130706433/send/1",
    "https://0x7f.0.0.1/send/1",
    "https://127.1/send/1",
    "https://[::]/send/1",
    "//push.example.net/send/1",
    "https:///send/1",
    "https://" + "a" * 1000 + ".com/send/1",
)


def url_of(address) -> str:
    host = f"[{address}]" if address.version == 6 else str(address)
    return f"https://{host}/send/1"


HOSTILE_PATHS = (
    "/diary/{}/",
    "/diary/{}/edit/",
    "/diary/{}/delete/",
    "/diary/history/?page={}",
    "/diary/chart/?days={}",
    "/diary/report/?start={}&end={}",
    "/diary/report.csv?start={}",
    "/triage/assessments/{}/",
    "/plan/unsubscribe/{}/",
    "/account/password-reset/{}/{}/",
    "/api/v1/diary/entries/{}/",
    "/api/v1/triage/assessments/{}/",
)


BOUNDED = settings(
    max_examples=25,
    deadline=None,
    # Each test's fixtures (a patient and their rows) are shared by its examples on
    # purpose: every example must leave them as they were, which is what is checked.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


def is_json(value) -> bool:
    """Whether ``value`` is JSON at all (NaN and infinities are not)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


def has_non_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(has_non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(has_non_finite(item) for item in value.values())
    return False


def send_json(client, method: str, url: str, body):
    # allow_nan: send NaN and Infinity as the bare words a careless client would write
    text = json.dumps(body, allow_nan=True)
    return getattr(client, method)(url, text, content_type="application/json")


def assert_json_refusal(response, *fields) -> None:
    """400, JSON, a message under one of ``fields`` (``detail`` for a body that is not JSON)."""
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()
    assert isinstance(errors, dict) and errors, errors
    assert set(errors) & {*fields, "detail", "non_field_errors"}, (fields, errors)


def assert_form_refusal(response, *fields) -> None:
    """The form again (200 or 400), with an error on one of ``fields`` or on the whole form."""
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    assert form.errors, "refused without saying why"
    assert set(form.errors) & {*fields, "__all__"}, (fields, form.errors)
    assert_escaped(response.content.decode())  # the form shows the bad value again


def assert_escaped(html: str) -> None:
    """No tag that a hostile value could have brought in survives unescaped."""
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert "<img src=x" not in lowered
    assert "</textarea><script" not in lowered
