"""The service worker's "Later" (templates/reminders/sw.js), run by Node with a FAKE ``self``
(tests/js/sw_click.mjs): the handler posts the push's own later token, without a session, and
that request, replayed here, moves the reminder once. The payload is the real one: sent to
the loopback push endpoint and decrypted as the browser would. No browser here: the same click
in Chromium, on a notification the real worker showed, is in tests/browser/test_push.py.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reminders import sending
from reminders.models import Delivery

ROOT = Path(__file__).resolve().parents[2]


def click(source: str, action: str, data: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to run the service worker's handler")
    completed = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "sw_click.mjs")],
        input=json.dumps({"source": source, "click": {"action": action, "data": data}}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(autouse=True)
def loopback_push_allowed(settings):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True  # the loopback push endpoint of conftest


def test_later_posts_the_pushs_token_without_a_session_and_moves_it_once(
    client, anonymous_client, push_delivery, endpoint, browser
):
    source = client.get("/sw.js").content.decode()
    assert sending.send(push_delivery.pk) is True
    [pushed] = endpoint.requests
    payload = json.loads(browser.decrypt(pushed.body))
    data = {"url": payload["url"], "reminder": payload["reminder"], "payload": payload}
    result = click(source, "later", data)
    assert result["closed"] is True
    [request] = result["fetches"]
    assert request["url"] == "/api/v1/plan/later/"
    assert (request["method"], request["credentials"]) == ("POST", "omit")
    body = json.loads(request["body"])
    assert body == {"token": payload["later"]["token"]}
    # The same request reaches the server: one "Later", linked to its original.
    for expected in (201, 200):
        response = anonymous_client.post(
            request["url"], request["body"], content_type="application/json"
        )
        assert response.status_code == expected
    assert Delivery.objects.filter(snoozed_from=push_delivery).count() == 1


def test_a_push_without_a_later_token_posts_nothing(client, push_delivery):
    source = client.get("/sw.js").content.decode()
    result = click(source, "later", {"url": "/plan/", "payload": {"title": "old push"}})
    assert result == {"closed": True, "fetches": []}
