"""Issue #7: CSRF on every URL that can change anything, the CSP on every page, and the
cookies and headers of production as a browser gets them.

The URLconf is walked, so a new URL is covered the day it is added. The production settings
are read in a subprocess (``override_settings`` would not run settings.py again); its login
response's ``Set-Cookie`` headers are the exact strings Django's WSGI handler sends.
"""

import json
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from tests.kneeapp.test_settings import PRODUCTION, manage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Views that take a POST without our CSRF token, on purpose: each must say why in its code.
CSRF_EXEMPT = {
    "triage:start": "the checker's steps change nothing on the server; offline pages keep going",
    "reminders:unsubscribe": "one-click unsubscribe from a mail client (RFC 8058), signed token",
    "api-push-receipt": "a service worker's receipt, no session: the push's signed token",
    "api-push-subscription-renew": "pushsubscriptionchange, no session: the old endpoint",
    "api-plan-later": "a service worker's \"Later\", no session: the push's signed token",
}
SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "path": "x", "str": "x", "slug": "x"}
ROUTE_ARGUMENT = re.compile(r"<(?:(\w+):)?\w+>")
NAMED_GROUP = re.compile(r"\(\?P<\w+>([^()]*)\)")


def sample(pattern) -> str:
    """A path that ``pattern`` matches, with made-up arguments."""
    if isinstance(pattern, RoutePattern):
        return ROUTE_ARGUMENT.sub(lambda m: SAMPLES[m[1] or "str"], str(pattern))

    def group(match):
        body = match[1]
        return "x" if body in (".*", ".+") else body.split("|")[0]

    regex = NAMED_GROUP.sub(group, str(pattern)).lstrip("^").rstrip("$")
    return re.sub(r"\\(.)", r"\1", regex)


def every_url(patterns=None, prefix="/", namespace=""):
    """``(name, url, view)`` for every pattern of the project, the admin's included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        url = prefix + sample(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from every_url(entry.url_patterns, url, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and ":".join(part for part in (namespace, entry.name) if part)
            yield name or url, url, entry.callback


URLS = list(every_url())


def test_every_url_of_the_walk_reaches_its_own_view():
    wrong = [name for name, url, view in URLS if resolve(url).func != view]
    assert wrong == [], "give these patterns a sample that matches them"


CSRF_SECRET = "a" * 32


def victim(user, *, with_token: bool = False) -> Client:
    """A signed-in browser with a CSRF cookie; on another site's page it sends no token."""
    headers = {"X-CSRFToken": CSRF_SECRET} if with_token else {}
    client = Client(enforce_csrf_checks=True, headers=headers)
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


def forged(client: Client, method: str, url: str, variant: str):
    if variant == "json":
        return client.generic(method, url, json.dumps({"x": 1}), "application/json")
    headers = {"HX-Request": "true"} if variant == "htmx" else {}
    return client.generic(method, url, "x=1", "application/x-www-form-urlencoded", headers=headers)


def refused_for_csrf(user, client, method: str, url: str, variant: str) -> tuple[bool, int]:
    """Whether ``client`` (``user``'s browser, no token) was refused for want of a CSRF token."""
    response = forged(client, method, url, variant)
    status = response.status_code
    if status == 415 and variant != "json" and url.startswith("/api/"):
        # The API reads JSON only, which no cross-site form can send: refused before the
        # view (DRF's CSRF check itself reads the body).
        return True, status
    if status != 403:
        return False, status
    if b"CSRF" in response.content:
        return True, status
    # A renderer that hides the reason: the same request with the token must get further.
    with_token = victim(user, with_token=True)
    return forged(with_token, method, url, variant).status_code != 403, status


@pytest.mark.parametrize("persona", ["patient", "administrator"])
def test_every_state_changing_request_without_a_csrf_token_is_refused(
    persona, request, patient, administrator
):
    user = request.getfixturevalue(persona)
    client = victim(user)
    not_refused = []
    for name, url, _view in URLS:
        if name in CSRF_EXEMPT:
            continue
        for method in UNSAFE:
            for variant in ("form", "htmx", "json") if method == "POST" else ("json",):
                refused, status = refused_for_csrf(user, client, method, url, variant)
                if not refused:
                    not_refused.append(f"{method} {url} ({variant}): {status}")
    assert not_refused == [], "\n".join(not_refused)
    # No forged request got through to sign out or delete the account.
    assert client.get("/account/").status_code == 200


def test_the_csrf_exemptions_are_few_and_real(patient):
    names = {name for name, _url, _view in URLS}
    assert set(CSRF_EXEMPT) <= names
    client = victim(patient)
    for name, url, _view in URLS:
        if name in CSRF_EXEMPT:
            variant = "json" if url.startswith("/api/") else "form"  # the API reads JSON only
            assert not refused_for_csrf(patient, client, "POST", url, variant)[0], name


def csp_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


@pytest.mark.parametrize("persona", ["anonymous", "patient", "administrator"])
def test_every_page_has_a_csp_without_inline_script(persona, request, db):
    client = Client()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    weak = []
    pages = 0
    for _name, url, _view in URLS:
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        csp = csp_of(response)
        script = csp.get("script-src", csp.get("default-src", []))
        if (
            not script
            or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script)
            or csp.get("object-src") != ["'none'"]
            or csp.get("frame-ancestors") != ["'none'"]
            or csp.get("base-uri") != ["'none'"]
        ):
            weak.append(f"{url}: {response.get('Content-Security-Policy')}")
    assert pages > 10
    assert weak == []


PROBE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
connection.creation.create_test_db(verbosity=0)
from kneeapp.models import User
User.objects.create_user("probe@example.org", "a-long-probe-password-42")
client = Client(HTTP_HOST="kneeapp.example.org")
plain = client.get("/account/login/")
page = client.get("/account/login/", secure=True)
signed_in = client.post(
    "/account/login/",
    {"username": "probe@example.org", "password": "a-long-probe-password-42"},
    secure=True,
)
print(json.dumps({
    "http": [plain.status_code, plain.get("Location")],
    "hsts": page.get("Strict-Transport-Security"),
    "csp": page.get("Content-Security-Policy"),
    "status": signed_in.status_code,
    "set_cookie": [cookie.OutputString() for cookie in signed_in.cookies.values()],
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """What a browser gets from kneeapp started with production settings."""
    folder = tmp_path_factory.mktemp("production")
    env = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "KNEEAPP_VAR_DIR": str(folder),
    }
    # Production's pages name the hashed static files: collected first, as a deploy does.
    collected = manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    result = manage("shell", "-v", "0", "-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def set_cookie(production, name) -> dict[str, str | bool]:
    for header in production["set_cookie"]:
        if header.startswith(name + "="):
            attributes = [part.strip() for part in header.split(";")[1:]]
            pairs = (part.split("=", 1) + [True] for part in attributes)
            return {key.lower(): value for key, value, *_ in pairs}
    raise AssertionError(f"no Set-Cookie for {name}: {production['set_cookie']}")


def test_production_signs_in_over_https_only(production):
    assert production["http"] == [301, "https://kneeapp.example.org/account/login/"]
    assert production["status"] == 302


@pytest.mark.parametrize("name", ["__Host-sessionid", "__Host-csrftoken"])
def test_production_cookies_are_host_prefixed_secure_and_same_site(production, name):
    cookie = set_cookie(production, name)
    # __Host-: Secure, Path=/ and no Domain, or the browser drops the cookie.
    assert cookie["secure"] is True and cookie["path"] == "/" and "domain" not in cookie
    assert cookie["samesite"] == "Lax"


def test_the_production_session_cookie_is_out_of_reach_of_scripts(production):
    cookie = set_cookie(production, "__Host-sessionid")
    assert cookie["httponly"] is True
    assert 0 < int(cookie["max-age"]) <= 60 * 60 * 24
    # The CSRF cookie is read by static/kneeapp/outbox.js to send the token: not HttpOnly.


def test_production_sends_hsts_with_preload_and_the_strict_csp(production):
    hsts = [part.strip() for part in production["hsts"].split(";")]
    assert int(hsts[0].removeprefix("max-age=")) >= 60 * 60 * 24 * 365
    assert {"includeSubDomains", "preload"} <= set(hsts)
    script = re.search(r"script-src ([^;]+)", production["csp"])[1].split()
    assert script == ["'self'"]
