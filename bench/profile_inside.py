"""The request profile's inside: run in a Django process with the production settings.

``bench/profile.py`` starts it (``manage.py shell``) against a seeded PostgreSQL database. It
sends requests straight to Django's WSGI handler, in this one thread, with a stopwatch
between every two middleware: the time a layer spends on its own is what its stopwatch sees
minus what the next one sees. The view's layer is the innermost stopwatch's (URL resolving,
the view, its templates). The work that happens lazily, wherever it is first asked for
(loading the session, fetching the user, saving the session), is timed on its own as well.

CPU time of this process (``time.thread_time``): the database's own work is not in it.
"""

import gc
import itertools
import json
import statistics
import sys
import time
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory, override_settings

STOPWATCH = "bench.profile_inside.Stopwatch"
# The lazy work, timed wherever it happens: (module, attribute path, label).
LAZY = [
    ("kneeapp.sessions", "SessionStore.load", "session: load"),
    ("kneeapp.sessions", "SessionStore.save", "session: save"),
    ("django.contrib.auth", "get_user", "user: fetch"),
    ("kneeapp.consent", "must_consent", "consent: check"),
]
# The garbage collector's pauses, timed by gc.callbacks wherever a request set them off.
COLLECTING = "garbage collection"

spent = defaultdict(int)  # label -> nanoseconds in the requests measured so far
_positions = itertools.count()


class Stopwatch:
    """Times everything inside it. Django builds the chain from the inside out, so the n-th
    stopwatch built is the n-th from the view."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.position = next(_positions)

    def __call__(self, request):
        start = time.thread_time_ns()
        try:
            return self.get_response(request)
        finally:
            spent[("inside", self.position)] += time.thread_time_ns() - start


def timed(function, label):
    def wrapper(*args, **kwargs):
        start = time.thread_time_ns()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.thread_time_ns() - start

    return wrapper


def instrument_lazy_work() -> None:
    import importlib

    for module_name, path, label in LAZY:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, timed(getattr(owner, name), label))


def time_collections() -> None:
    started = []

    def callback(phase, info):
        if phase == "start":
            started.append(time.thread_time_ns())
        elif started:
            spent[COLLECTING] += time.thread_time_ns() - started.pop()

    gc.callbacks.append(callback)


def call(handler, request_environ: dict) -> tuple[int, dict, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = headers

    response = handler(request_environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # as a WSGI server does: request_finished, the connection's checks
    return answer["status"], answer["headers"], body


class Browser:
    """A signed-in phone talking to the handler: its cookies, as the real one sends them."""

    def __init__(self, handler, email: str, password: str):
        self.handler, self.factory, self.cookies = handler, RequestFactory(), {}
        self.send("GET", "/account/login/")
        status = self.send(
            "POST",
            "/account/login/",
            {"username": email, "password": password,
             "csrfmiddlewaretoken": self.cookies[settings.CSRF_COOKIE_NAME]},
            form=True,
        )[0]  # fmt: skip
        if status != 302:
            raise RuntimeError(f"signing in as {email} answered {status}")

    def environ(self, method: str, path: str, data=None, form=False, cookies=True) -> dict:
        extra = {
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
            "HTTP_ORIGIN": "https://127.0.0.1",
            "HTTP_X_CSRFTOKEN": self.cookies.get(settings.CSRF_COOKIE_NAME, ""),
            "secure": True,
        }
        if cookies:
            extra["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "GET":
            return self.factory.get(path, **extra).environ
        if form:
            return self.factory.post(path, data, **extra).environ
        return self.factory.post(
            path, json.dumps(data), content_type="application/json", **extra
        ).environ

    def send(self, method: str, path: str, data=None, form=False, cookies=True):
        status, headers, body = call(self.handler, self.environ(method, path, data, form, cookies))
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, rest = value.split("=", 1)
                self.cookies[key] = rest.split(";", 1)[0]
        return status, headers, body


def endpoints(browser: Browser) -> dict:
    """Each endpoint as a function sending one request; the expected status."""

    def triage():
        data = {"id": str(uuid.uuid4()), "answers": {"heard_pop": True, "age": 45}}
        return browser.send("POST", "/api/v1/triage/assessments/", data)

    return {
        "floor: bare JSON view, no cookies": (
            lambda: browser.send("GET", "/bench/hello/", cookies=False), 200),
        "floor: bare JSON view, signed in": (lambda: browser.send("GET", "/bench/hello/"), 200),
        "triage API POST": (triage, 201),
        "diary history (5 years)": (lambda: browser.send("GET", "/diary/history/"), 200),
        "plan page": (lambda: browser.send("GET", "/plan/"), 200),
    }  # fmt: skip


def layer_names(middleware: list[str]) -> list[str]:
    """Name of the layer each stopwatch position times on its own, from the view outwards."""
    return ["URL resolving, process_view hooks (CSRF, consent), the view", *reversed(middleware)]


def main(email: str, password: str, requests: int, rounds: int) -> None:
    middleware = list(settings.MIDDLEWARE)
    chain = [item for name in middleware for item in (STOPWATCH, name)] + [STOPWATCH]
    with override_settings(MIDDLEWARE=chain):
        handler = WSGIHandler()
    instrument_lazy_work()
    time_collections()
    browser = Browser(handler, email, password)
    names = layer_names(middleware)
    report = {}
    for label, (send, want) in endpoints(browser).items():
        status = send()[0]
        if status != want:
            raise RuntimeError(f"{label} answered {status}, not {want}")
        per_round = []
        for _ in range(rounds):
            spent.clear()
            start = time.thread_time_ns()
            for _ in range(requests):
                send()
            total = time.thread_time_ns() - start
            inside = [spent[("inside", n)] for n in range(len(names))]
            layers = {names[0]: inside[0]}
            for n in range(1, len(names)):
                layers[names[n]] = inside[n] - inside[n - 1]
            layers["WSGI handler, request and response objects"] = total - inside[-1]
            lazy = {label: spent[label] for label in [*(label for *_, label in LAZY), COLLECTING]}
            per_round.append({"total": total, "layers": layers, "lazy": lazy})
        report[label] = summarise(per_round, requests)
    json.dump(report, sys.stdout)
    print()


def summarise(per_round: list[dict], requests: int) -> dict:
    """Medians over the rounds, in microseconds per request."""

    def median_us(values):
        return round(statistics.median(values) / requests / 1000, 1)

    def medians(part: str) -> dict:
        return {key: median_us([r[part][key] for r in per_round]) for key in per_round[0][part]}

    return {
        "total_us": median_us([r["total"] for r in per_round]),
        "layers": medians("layers"),
        "lazy": medians("lazy"),
    }
