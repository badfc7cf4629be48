"""Redis down: pages, API and diary keep working, and due reminders go out once it is back.

A real web server (gunicorn) and a real Celery worker, both configured with a Redis of our
own that the test kills. Nothing a person does needs the broker (sessions and cache are not
in Redis); a dispatch pass that cannot publish logs a warning and leaves the delivery QUEUED
in the database, and the next pass after Redis is back hands it over again.
"""

import json
import uuid

import pytest
import requests

from tests.reliability.harness import PASSWORD, SMTPSink, parse, stays_false, wait_until

pytestmark = pytest.mark.production


class Browser:
    """A person's browser: cookies, and the CSRF token sent back as Django wants it."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.url + path, timeout=20, allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        data = data | {"csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        return self.session.post(self.url + path, data=data, timeout=20, allow_redirects=False)

    def send_json(self, method: str, path: str, body: dict) -> requests.Response:
        return self.session.request(
            method,
            self.url + path,
            data=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.session.cookies["csrftoken"],
            },
            timeout=20,
        )

    def sign_in(self, email: str) -> None:
        assert self.get("/account/login/").status_code == 200
        response = self.post("/account/login/", {"username": email, "password": PASSWORD})
        assert response.status_code == 302, response.text[-2000:]


def test_with_redis_down_people_carry_on_and_due_reminders_go_out_once_it_is_back(
    make_app, private_redis
):
    private_redis.start()
    with SMTPSink() as smtp:
        app = make_app(REDIS_URL=private_redis.url, EMAIL_URL=smtp.url)
        app.set_up()
        app.worker()
        web = app.web().url
        private_redis.kill()

        # A person's morning, with the broker down.
        browser = Browser(web)
        browser.sign_in("patient@worker.example")
        assert browser.get("/diary/").status_code == 200
        entry = {"id": str(uuid.uuid4()), "date": "2026-06-01", "pain": "4", "swelling": "none"}
        assert browser.post("/diary/", entry).status_code == 302
        api_entry = {
            "date": "2026-05-31",
            "pain": 3,
            "swelling": "mild",
            "client_updated_at": "2026-06-01T07:00:00Z",
        }
        response = browser.send_json("PUT", f"/api/v1/diary/entries/{uuid.uuid4()}/", api_entry)
        assert response.status_code == 201, response.text
        answers = {"answers": json.dumps({"heard_pop": True}), "id": str(uuid.uuid4())}
        assert browser.post("/triage/save/", answers).status_code == 302
        assert browser.get("/plan/").status_code == 200
        today = browser.send_json("GET", "/api/v1/plan/", {}).json()["today"]
        first, second = (reminder["schedule"] for reminder in today)
        date = today[0]["date"]
        assert browser.post("/plan/done/", {"schedule": first, "date": date}).status_code == 302
        response = browser.send_json(
            "POST", "/api/v1/plan/done/", {"schedule": second, "date": date}
        )
        assert response.status_code == 201, response.text
        assert app.rows("select count(*) from diary_diaryentry") == [(2,)]
        assert app.rows("select count(*) from triage_assessment") == [(1,)]
        assert app.rows("select count(*) from reminders_completion") == [(2,)]

        # A dispatch pass (a worker that had its message before Redis went): the slot is
        # taken and the delivery recorded; publishing it fails, and that is only a warning.
        said = app.dispatch(through_broker=False)
        assert "broker unreachable" in said and "Traceback" not in said
        [(_id, channel, status, attempts, _error)] = app.deliveries()
        assert (channel, status, attempts) == ("email", "queued", 0)

        # Redis is back: the worker reconnects, and the next pass (published as beat does)
        # hands the stranded delivery over again.
        private_redis.start()
        app.dispatch(now="2026-06-01T07:01:00+00:00")
        wait_until(lambda: app.deliveries()[0][2] == "sent", 90, message="the reminder")
        assert stays_false(lambda: len(smtp.handler.attempts) > 1, 3)

    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["patient@worker.example"]
    assert parse(envelope)["Subject"] == "Time to stretch"
    [(_id, _channel, status, attempts, error)] = app.deliveries()
    assert (status, attempts, error) == ("sent", 1, "")
