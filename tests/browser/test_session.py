"""Issue #16: the exercise-along session in real Chromium at 360 px, its timers driven by
Playwright's page clock (no real waiting): holds, reps, sets, rest, pause and resume, skip,
big controls, each exercise's mark and feedback reaching the server, online and offline.
"""

import pytest

from reminders.models import Completion
from tests.browser.conftest import open_plan, wait_until
from tests.reminders.conftest import make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def session_plan(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist)  # three stretches: 30 s holds, 3 times
    plan.items.filter(position=0).update(sets=2)
    return plan


def count(page) -> str:
    return page.locator("#session [data-session-count]").text_content()


def test_a_session_runs_holds_reps_sets_rest_pause_and_skip(
    page, live_server, patient, physiotherapist
):
    session_plan(patient, physiotherapist)
    page.clock.install()
    open_plan(page, patient, live_server)
    # Installed, the clock still flows with real time; paused, only run_for moves it, so a
    # slow machine cannot make a 5 s step read 24.
    page.clock.pause_at(page.evaluate("Date.now()") + 1_000)
    session = page.locator("#session")
    session.get_by_role("button", name="Start the exercises").click()
    assert session.get_by_text("Exercise 1 of 3").is_visible()
    assert session.get_by_role("heading", name="Calf stretch against a wall").is_visible()
    assert session.locator("[data-picture]").is_visible()
    assert count(page) == "30"
    assert session.get_by_text("Repetition 1 of 3").is_visible()
    assert session.get_by_text("Set 1 of 2").is_visible()
    for name in ("Pause", "Skip this exercise"):
        box = session.get_by_role("button", name=name).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, name

    page.clock.run_for(5_000)
    assert count(page) == "25"
    session.get_by_role("button", name="Pause").click()
    page.clock.run_for(20_000)
    assert count(page) == "25" and session.get_by_text("Paused").is_visible()
    session.get_by_role("button", name="Resume").click()
    page.clock.run_for(26_000)  # the hold ends: a 5 s relax
    assert session.get_by_text("Relax", exact=True).is_visible()
    assert count(page) == "4"
    page.clock.run_for(4_000 + 30_000 + 5_000 + 30_000)  # repetitions 2 and 3
    assert session.get_by_text("Rest before the next set").is_visible()
    page.clock.run_for(30_000)
    assert session.get_by_text("Set 2 of 2").is_visible()
    assert session.get_by_text("Repetition 1 of 3").is_visible()
    page.clock.run_for(100_000)  # the second set

    feedback = session.locator("[data-feedback]")
    feedback.get_by_role("button", name="Too hard").click()
    advice = feedback.locator("[data-pain-advice]")
    feedback.get_by_role("button", name="3", exact=True).click()
    assert not advice.is_visible()
    feedback.get_by_role("button", name="8", exact=True).click()
    assert advice.is_visible() and "Stop this one for today" in advice.text_content()
    assert (
        advice.get_by_role("link", name="Check your symptoms").get_attribute("href") == "/triage/"
    )
    for button in feedback.get_by_role("button").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # nothing cut off at 360 px
    feedback.get_by_role("button", name="Next exercise").click()
    assert session.get_by_text("Exercise 2 of 3").is_visible()
    session.get_by_role("button", name="Skip this exercise").click()
    session.get_by_role("button", name="Skip this exercise").click()
    assert session.get_by_text("All done for now").is_visible()
    assert session.get_by_text("You skipped some exercises").is_visible()

    wait_until(page, lambda: Completion.objects.filter(pain=8).exists())
    [mark] = Completion.objects.all()
    assert (mark.exercise.slug, mark.effort, mark.pain) == ("calf-wall-stretch", "too_hard", 8)

    # The sound switch is remembered on this phone.
    session.get_by_label("Beep and buzz at each change").uncheck()
    page.reload()
    assert not page.get_by_label("Beep and buzz at each change").is_checked()


def test_marks_and_feedback_made_offline_reach_the_server_once_in_order(
    page, phone, live_server, patient, physiotherapist
):
    make_plan(patient, physiotherapist)
    page.clock.install()
    open_plan(page, patient, live_server, offline_ready=True)
    phone.set_offline(True)
    page.reload()  # the plan page and the session's files come from the service worker
    session = page.locator("#session")
    feedback = session.locator("[data-feedback]")
    session.get_by_role("button", name="Start the exercises").click()
    page.clock.run_for(101_000)  # exercise 1: three 30 s holds, two 5 s relaxes
    feedback.get_by_text("Done: waiting to be sent").wait_for()
    feedback.get_by_role("button", name="About right").click()
    feedback.get_by_role("button", name="3", exact=True).click()
    feedback.get_by_role("button", name="Next exercise").click()
    page.clock.run_for(101_000)  # exercise 2, no feedback
    feedback.get_by_role("button", name="Next exercise").wait_for()
    feedback.get_by_role("button", name="Next exercise").click()
    session.get_by_role("button", name="Skip this exercise").click()
    assert Completion.objects.count() == 0

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda: Completion.objects.count() == 2)
    page.reload()
    page.wait_for_timeout(500)
    marks = list(Completion.objects.order_by("done_at", "pk"))
    assert [m.exercise.slug for m in marks] == ["calf-wall-stretch", "seated-hamstring-stretch"]
    assert (marks[0].effort, marks[0].pain) == ("about_right", 3)
    assert (marks[1].effort, marks[1].pain) == ("", None)
    assert all(m.patient == patient for m in marks)
    assert Completion.objects.count() == 2


def test_without_javascript_the_session_is_hidden_and_the_feedback_form_works(
    page_without_javascript, live_server, patient, physiotherapist
):
    make_plan(patient, physiotherapist)
    page = page_without_javascript
    open_plan(page, patient, live_server)
    assert not page.locator("#session").is_visible()
    card = page.locator(".stretch").first
    card.get_by_text("Done this one? Say how it felt").click()
    card.get_by_label("Too hard").check()
    card.get_by_label("Pain during it").fill("7")
    card.get_by_role("button", name="Save: Calf stretch against a wall done").click()
    page.get_by_text("Marked as done").wait_for()
    [mark] = Completion.objects.all()
    assert (mark.exercise.slug, mark.effort, mark.pain) == ("calf-wall-stretch", "too_hard", 7)
