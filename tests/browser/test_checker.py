"""The symptom checker in real Chromium: online with htmx, offline on engine.js, and without JS."""

import pytest

from tests.browser.conftest import wait_for_service_worker
from tests.conftest import PASSWORD, make_person
from triage.models import Assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A knee twisted at football: a pop, swelling and locking; nothing that needs an ambulance.
NO_RED_FLAGS = {
    "chest_pain": "no", "breathless": "no", "coughing_blood": "no", "foot_cold_or_numb": "no",
    "knee_misshapen": "no", "calf_tense": "no", "cannot_bear_weight": "no",
    "cannot_straighten": "no", "cannot_bend_90": "no",
}  # fmt: skip
TWISTED_KNEE = {
    **NO_RED_FLAGS,
    "calf_swelling": "no", "red_or_warm_skin": "no", "injury": "twisting", "onset": "sudden",
    "heard_pop": "yes", "duration_days": "5", "getting_worse": "yes", "pain_severity": "6",
    "pain_type": "sharp", "swelling_knee": "yes", "locking": "yes", "giving_way": "yes",
    "sport": "sprint_sports", "age": "28",
}  # fmt: skip


def current_screen(page) -> str | None:
    form = page.locator("#checker form.checker-step")
    return form.get_attribute("data-screen") if form.count() else None


def shown_step(page) -> str | None:
    """The screen shown, and which questions it asks again ("emergency_signs/breathless")."""
    return page.evaluate(
        """() => {
            const form = document.querySelector('#checker form.checker-step');
            return form ? `${form.dataset.screen}/${form.elements.reask.value}` : null;
        }"""
    )


def press_next(page) -> None:
    before = shown_step(page)
    button = page.locator('#checker button[value="next"]')
    if not getattr(page, "runs_javascript", True):
        load_by_clicking(page, button)
        assert shown_step(page) != before  # another step, or the result (no step: None)
        return
    button.click()
    page.wait_for_function(
        """(before) => {
            if (document.readyState === 'loading') return false;
            if (document.querySelector('#checker .triage-result')) return true;
            const form = document.querySelector('#checker form.checker-step');
            return !!form && `${form.dataset.screen}/${form.elements.reask.value}` !== before;
        }""",
        arg=before,
    )


def load_by_clicking(page, button) -> None:
    """Without JavaScript a click loads a new page: wait for that page's load event.

    Not ``wait_for_function``: with JavaScript off, Chromium runs no timers or animation
    frames, so its predicate is evaluated once per document and never polled again. One
    evaluated while the new page was still loading would wait out the timeout.
    """
    with page.expect_navigation(wait_until="load"):
        button.click()


def answer_every_screen(page, answers: dict) -> None:
    """Answer each screen as a patient would (tapping the choices) until the result shows."""
    for _ in range(40):
        if current_screen(page) is None:
            break
        for fieldset in page.locator("#checker fieldset.question").all():
            field = fieldset.locator("input").first
            name = field.get_attribute("name")
            if name not in answers:
                continue
            if field.get_attribute("type") == "number":
                field.fill(answers[name])
            else:
                fieldset.locator(f'input[value="{answers[name]}"]').check()
        press_next(page)
    page.locator("#checker .triage-result").wait_for()


def shown_result(page) -> dict:
    result = page.locator("#checker .triage-result")
    return {
        "urgency": result.locator("[data-urgency]").get_attribute("data-urgency"),
        "banner": result.locator("[data-urgency]").inner_text(),
        "why": result.locator('[data-list="reasons"] > li').all_inner_texts(),
        "rule_out": result.locator('[data-list="rule-out"] > li').all_inner_texts(),
        "causes": result.locator('[data-list="causes"] > li').all_inner_texts(),
        "advice": result.locator('[data-list="advice"] > li').all_inner_texts(),
        "answers": result.locator('[data-list="summary"] > li').all_inner_texts(),
        "disclaimer": result.locator(".disclaimer").inner_text(),
    }


def sign_in(page, email: str) -> None:
    page.goto("/account/login/")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main button[type="submit"], main input[type="submit"]').first.click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_checker_completes_online_with_htmx_and_moves_focus_to_each_question(page):
    page.goto("/triage/")
    page.locator("#checker fieldset legend").first.wait_for()
    assert page.locator("#checker progress").is_visible()
    answer_every_screen(page, TWISTED_KNEE)
    assert page.url.endswith("/triage/"), "htmx swapped the fragment in place"
    result = shown_result(page)
    assert result["urgency"] == "urgent"
    assert "Meniscus" in result["causes"][0] or "meniscus" in result["causes"][0].lower()
    assert "not a diagnosis" in result["disclaimer"]
    page.wait_for_function("document.activeElement.id === 'result-title'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_emergency_answer_stops_the_flow_with_the_number_to_call(page):
    page.goto("/triage/")
    page.locator('#checker input[name="breathless"][value="yes"]').check()
    page.locator('#checker button[value="next"]').click()
    call = page.get_by_role("link", name="Call 999")
    call.wait_for()
    assert call.get_attribute("href") == "tel:999"
    assert shown_result(page)["urgency"] == "emergency"


def test_offline_after_the_first_visit_the_checker_gives_the_same_result_as_online(page, phone):
    page.goto("/triage/")
    wait_for_service_worker(page)
    answer_every_screen(page, TWISTED_KNEE)
    online = shown_result(page)

    phone.set_offline(True)
    page.goto("/triage/")
    page.locator("#checker fieldset legend").first.wait_for()
    answer_every_screen(page, TWISTED_KNEE)
    assert page.locator("#checker").get_attribute("data-mode") == "offline"
    assert shown_result(page) == online

    # Change an answer offline, as online: back to the result with the new answer.
    page.locator('#checker button[name="change"][value="leg"]').click()
    page.locator('#checker input[name="calf_swelling"][value="yes"]').check()
    page.locator('#checker button[value="next"]').click()
    page.locator("#checker .triage-result").wait_for()
    assert shown_result(page)["urgency"] == "urgent"
    assert "calf" in " ".join(shown_result(page)["answers"]).lower()


def test_a_result_made_offline_is_saved_to_the_account_when_back_online(page, phone):
    # Not the shared persona: its physiotherapist group is gone in a transactional test.
    patient = make_person("offline-patient@test.example")
    sign_in(page, patient.email)
    page.goto("/triage/")
    wait_for_service_worker(page)
    phone.set_offline(True)
    page.goto("/triage/")
    page.locator('#checker input[name="chest_pain"][value="yes"]').check()
    page.locator('#checker button[value="next"]').click()
    page.locator('#checker [data-slot="queued"]').wait_for()
    page.wait_for_function(
        "self.kneeappOutbox.pending().then((items) => items.length === 1)", polling=200
    )
    assert Assessment.objects.count() == 0

    phone.set_offline(False)
    # The page kept offline may hold a CSRF token from before signing in; the next page
    # loaded online sends what waits with a fresh one.
    page.goto("/triage/")
    page.wait_for_function(
        "self.kneeappOutbox.pending().then((items) => items.length === 0)", polling=200
    )
    saved = Assessment.objects.get()
    assert saved.user == patient and saved.urgency == "emergency"
    assert saved.answers == {"chest_pain": True}


def test_without_javascript_the_checker_completes_as_plain_forms(
    page_without_javascript, live_server
):
    page = page_without_javascript
    page.goto("/triage/")
    answer_every_screen(page, TWISTED_KNEE)
    result = shown_result(page)
    assert result["urgency"] == "urgent"
    assert result["causes"] and result["advice"]
    load_by_clicking(page, page.locator('#checker button[name="change"][value="start"]'))
    assert current_screen(page) == "start"
    load_by_clicking(page, page.locator('#checker button[value="back"]'))
    assert current_screen(page) == "serious_signs"


def test_back_forward_and_reload_keep_the_answers(page):
    page.goto("/triage/")
    page.locator("#checker fieldset legend").first.wait_for()
    answer_every_screen_until(page, TWISTED_KNEE, "leg")
    page.go_back()
    page.wait_for_function(
        "() => document.querySelector('#checker form')?.dataset.screen === 'pop'"
    )
    page.go_back()
    page.wait_for_function(
        "() => document.querySelector('#checker form')?.dataset.screen === 'start'"
    )
    assert page.locator('#checker input[name="injury"][value="twisting"]').is_checked()
    assert page.locator('#checker input[name="age"]').input_value() == "28"
    page.go_forward()
    page.wait_for_function(
        "() => document.querySelector('#checker form')?.dataset.screen === 'pop'"
    )
    page.reload()
    page.wait_for_function(
        "() => document.querySelector('#checker form')?.dataset.screen === 'pop'"
    )
    assert page.locator('#checker input[name="heard_pop"][value="yes"]').is_checked()
    assert "twisting" not in page.url and "heard_pop" not in page.url  # never in the URL
    answer_every_screen(page, TWISTED_KNEE)
    assert shown_result(page)["urgency"] == "urgent"


def answer_every_screen_until(page, answers: dict, screen: str) -> None:
    for _ in range(20):
        if current_screen(page) == screen:
            return
        for fieldset in page.locator("#checker fieldset.question").all():
            field = fieldset.locator("input").first
            name = field.get_attribute("name")
            if name in answers and field.get_attribute("type") == "number":
                field.fill(answers[name])
            elif name in answers:
                fieldset.locator(f'input[value="{answers[name]}"]').check()
        press_next(page)
    raise AssertionError(f"never reached {screen}")


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_pressing_next_through_every_screen_asks_again_then_says_see_a_doctor(page, phone, offline):
    page.goto("/triage/")
    wait_for_service_worker(page)
    if offline:
        phone.set_offline(True)
        page.goto("/triage/")
    page.locator("#checker fieldset legend").first.wait_for()
    assert page.locator("#checker input:checked").count() == 0  # no pre-selected red flag
    press_next(page)
    assert (
        shown_step(page) == "emergency_signs/chest_pain,breathless,coughing_blood,foot_cold_or_numb"
    )
    for _ in range(30):
        if current_screen(page) is None:
            break
        press_next(page)
    result = shown_result(page)
    assert result["urgency"] == "see_doctor"
    assert page.get_by_role("link", name="Call 999").is_visible()
    if offline:
        assert page.locator("#checker").get_attribute("data-mode") == "offline"
