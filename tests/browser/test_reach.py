"""Issue #16.6, reach and read, in real Chromium on a 360 px phone, over every page of
tests/patient_pages.py: each thing a finger presses is at least 44 × 44 px, measured, and
axe-core (tests/browser/axe, installed by ``npm ci``) finds no violation.
"""

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders import snooze
from reminders.models import Delivery, Status
from tests.browser.conftest import sign_in
from tests.patient_pages import make_world, pages
from tests.reminders.conftest import make_plan, stretch_delivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE / "node_modules/axe-core/axe.min.js"
SMALLEST = 44  # px, each side (WCAG 2.5.5; Apple and Google ask 44 and 48)

# Every visible thing that takes a tap: links, buttons, lists, and the labels of checkboxes
# and radio buttons (the label is the target: the box itself is drawn small).
MEASURE = """(smallest) => {
  const targets = document.querySelectorAll(
    'a[href], button, input[type=submit], input[type=button], select, '
    + 'label:has(> input[type=checkbox]), label:has(> input[type=radio]), label[for]');
  const small = [];
  for (const target of targets) {
    if (target.matches('label[for]')) {
      const box = document.getElementById(target.htmlFor);
      if (!box || !['checkbox', 'radio'].includes(box.type)) continue;
    }
    if (!target.checkVisibility({visibilityProperty: true})) continue;
    const box = target.getBoundingClientRect();
    if (box.right <= 0 || box.width === 0) continue;  // the skip link, until focused
    if (box.width < smallest || box.height < smallest) {
      const name = (target.innerText || target.value || target.getAttribute('aria-label') || '')
        .trim().slice(0, 40);
      const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
      small.push(`${target.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return small;
}"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        subprocess.run(
            ["npm", "ci", "--prefix", str(AXE), "--no-audit", "--no-fund"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return AXE_SCRIPT.read_text()


def axe_violations(page, axe_source: str) -> list[str]:
    """axe-core's violations on the page as it is, one line each (rule, impact, where)."""
    page.evaluate(axe_source)  # through DevTools: the page's CSP allows no injected script
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} at "
        + json.dumps([node["target"] for node in rule["nodes"]][:5])
        for rule in results["violations"]
    ]


def check(page, url: str, axe_source: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page, axe_source)
    small = page.evaluate(MEASURE, SMALLEST)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert not violations, f"{url}: axe finds {violations}"
    assert not small, f"{url}: tap targets under {SMALLEST} px: {small}"
    assert width <= 360, f"{url} scrolls sideways on a 360 px phone ({width} px)"


@pytest.mark.parametrize("name", pages("patient"))
def test_every_patient_page_is_in_reach_and_passes_axe(
    name, page, phone, live_server, patient, physiotherapist, axe_source
):
    world = make_world(patient, physiotherapist)
    sign_in(phone, patient, live_server)
    check(page, world.url(name), axe_source)


@pytest.mark.parametrize("name", pages("visitor"))
def test_every_visitor_page_is_in_reach_and_passes_axe(
    name, page, patient, physiotherapist, axe_source
):
    world = make_world(patient, physiotherapist)
    check(page, world.url(name), axe_source)


# The email's "later" page needs a signed token (so it is not in patient_pages), and no
# session: it asks, its button moves the reminder once, and both states are in reach.
def test_the_later_page_asks_then_moves_the_reminder_once_on_a_phone(
    page, patient, physiotherapist, axe_source
):
    plan = make_plan(patient, physiotherapist)
    sent = stretch_delivery(
        plan.schedules.first(), timezone.now() - dt.timedelta(minutes=2), status=Status.SENT
    )
    url = reverse("reminders:later", args=[snooze.later_token(sent)])
    check(page, url, axe_source)
    assert page.get_by_role("heading", name="Remind me in 30 minutes?").is_visible()
    assert not Delivery.objects.filter(snoozed_from=sent).exists()
    page.get_by_role("button", name="Remind me in 30 minutes").click()
    page.get_by_role("heading", name="We will remind you again").wait_for()
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1
    check(page, url, axe_source)  # the link again: the question again, still in reach
    page.get_by_role("button", name="Remind me in 30 minutes").click()
    page.get_by_role("heading", name="Already moved").wait_for()
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1
