"""The checker as plain forms (no JavaScript), its htmx fragments, and the clinician page."""

import json
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db
START = "/triage/"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1).replace("&quot;", '"') if match else ""


def carried(response) -> dict:
    return json.loads(hidden(response.content.decode(), "answers") or "{}")


NO_RED_FLAGS = {
    "chest_pain": False, "breathless": False, "coughing_blood": False, "foot_cold_or_numb": False,
    "knee_misshapen": False, "calf_tense": False, "cannot_bear_weight": False,
    "cannot_straighten": False, "cannot_bend_90": False,
}  # fmt: skip


def shown(response) -> str:
    """The page as shown, without the offline <template>s."""
    return response.content.decode().split("<template")[0]


def screen_of(response) -> str:
    return hidden(response.content.decode().split('<template id="triage-screens">')[0], "screen")


def answer(client, response, **values):
    """Submit the screen shown in ``response`` the way a browser without JavaScript does."""
    html = shown(response)
    data = {name: hidden(html, name) for name in ("screen", "unsure", "reask", "review", "walk")}
    data |= {"answers": json.dumps(carried(response)), "action": "next"}
    data.update({key: str(value) for key, value in values.items()})
    return client.post(START, data)


def test_the_checker_starts_with_the_red_flag_questions_and_a_progress_bar(anonymous_client):
    response = anonymous_client.get(START)
    html = shown(response)
    assert response.status_code == 200
    assert screen_of(response) == "emergency_signs"
    assert "<legend" in html and "Do you have pain in your chest?" in html
    total = len(load_knowledge()["screens"])
    assert '<progress class="progress"' in html and f"Step 1 of {total}" in html
    assert 'value="back" formnovalidate data-slot="back" hidden' in html


def test_no_red_flag_question_starts_with_an_answer_chosen(anonymous_client):
    html = shown(anonymous_client.get(START))
    assert " checked" not in html  # four red flags, no pre-selected "Not sure"
    response = anonymous_client.post(
        START, {"screen": "start", "answers": json.dumps(NO_RED_FLAGS), "action": "back"}
    )
    assert screen_of(response) == "serious_signs"
    assert 'value="no" checked' in shown(response)  # answered ones keep their answer


def test_a_red_flag_left_empty_is_asked_once_more_in_plainer_words(anonymous_client):
    first = anonymous_client.get(START)
    again = answer(anonymous_client, first, chest_pain="no", coughing_blood="no")
    html = shown(again)
    assert screen_of(again) == "emergency_signs"
    assert hidden(html, "reask") == "breathless,foot_cold_or_numb"
    knowledge = {f["id"]: f for f in load_knowledge()["findings"]}
    assert knowledge["breathless"]["reask"].replace("'", "&#x27;") in html
    assert 'name="chest_pain"' not in html  # only the unanswered ones
    after = answer(anonymous_client, again, breathless="no")
    assert screen_of(after) == "serious_signs"
    assert json.loads(hidden(shown(after), "unsure")) == ["foot_cold_or_numb"]
    assert carried(after) == {"chest_pain": False, "coughing_blood": False, "breathless": False}


def test_pressing_next_through_every_screen_is_never_self_care(anonymous_client):
    response = anonymous_client.get(START)
    for _ in range(40):
        if 'name="screen"' not in shown(response):
            break
        response = answer(anonymous_client, response)
    html = shown(response)
    assert 'data-urgency="see_doctor"' in html
    assert 'href="tel:999"' in html  # not sure of chest pain or breathing keeps the number
    assert "You were not sure about these warning signs" in html


def test_the_pop_screen_is_skipped_when_nothing_happened_suddenly(anonymous_client):
    response = anonymous_client.post(
        START,
        {"screen": "start", "answers": json.dumps(NO_RED_FLAGS), "injury": "none",
         "onset": "gradual"},
    )  # fmt: skip
    assert screen_of(response) == "leg"
    total = len(load_knowledge()["screens"]) - 1  # the pop screen no longer counts
    assert f"Step 4 of {total}" in shown(response)


def test_back_returns_to_the_previous_screen_that_applies(anonymous_client):
    carried_answers = json.dumps({**NO_RED_FLAGS, "injury": "none", "onset": "gradual"})
    response = anonymous_client.post(
        START, {"screen": "leg", "answers": carried_answers, "action": "back"}
    )
    assert screen_of(response) == "start"
    assert 'value="gradual" checked' in shown(response)


def test_changing_an_answer_walks_through_the_screens_it_makes_relevant(anonymous_client):
    answers = {**NO_RED_FLAGS, "injury": "none", "onset": "gradual", "pain_severity": 3}
    change = anonymous_client.post(START, {"answers": json.dumps(answers), "change": "start"})
    assert screen_of(change) == "start"
    assert hidden(shown(change), "review") == "1"
    pop = answer(anonymous_client, change, injury="twisting", onset="sudden")
    assert screen_of(pop) == "pop"  # now relevant: asked before the result
    result = answer(anonymous_client, pop, heard_pop="yes")
    assert "triage-result" in shown(result)
    assert carried(result)["heard_pop"] is True and carried(result)["pain_severity"] == 3

    back = {**carried(result)}
    result = anonymous_client.post(
        START,
        {"screen": "start", "answers": json.dumps(back), "review": "1", "injury": "none",
         "onset": "gradual"},
    )  # fmt: skip
    assert "triage-result" in shown(result)  # nothing new applies: straight to the result
    assert "heard_pop" not in carried(result)
    assert carried(result)["pain_severity"] == 3


def test_not_sure_leaves_an_ordinary_question_unanswered(anonymous_client):
    response = anonymous_client.post(
        START, {"screen": "leg", "answers": json.dumps(NO_RED_FLAGS), "calf_swelling": ""}
    )
    assert screen_of(response) == "knee"
    assert carried(response) == NO_RED_FLAGS


@pytest.mark.parametrize("typed", ["²", "٣", "３", "1.5", "-2", "12abc"])
def test_a_number_not_typed_in_plain_digits_is_the_fields_error(anonymous_client, typed):
    response = anonymous_client.post(START, {"screen": "start", "answers": "{}", "age": typed})
    assert response.status_code == 200
    assert screen_of(response) == "start" and 'aria-invalid="true"' in shown(response)


def test_an_emergency_answer_stops_at_once_with_the_emergency_number(anonymous_client, settings):
    first = anonymous_client.get(START)
    response = answer(anonymous_client, first, chest_pain="yes")
    html = response.content.decode()
    assert "urgency-emergency" in html
    assert 'href="tel:999"' in html
    assert "Call an emergency number now" in html
    assert "not a diagnosis" in html


def test_a_patient_walks_through_every_screen_without_javascript(anonymous_client):
    knowledge = load_knowledge()
    values = {key: "no" for key in NO_RED_FLAGS} | {"injury": "twisting", "onset": "sudden",
              "heard_pop": "yes", "duration_days": "5", "pain_severity": "6",
              "swelling_knee": "yes", "locking": "yes", "age": "34"}  # fmt: skip
    response = anonymous_client.get(START)
    seen = []
    while 'name="screen"' in response.content.decode().split("<template")[0]:
        screen = screen_of(response)
        assert screen not in seen
        seen.append(screen)
        findings = next(s for s in knowledge["screens"] if s["id"] == screen)["findings"]
        response = answer(
            anonymous_client, response, **{f: values[f] for f in findings if f in values}
        )
        assert response.status_code == 200
    html = response.content.decode()
    expected = assess(knowledge, carried(response))
    assert expected["urgency"] == "urgent"  # an injury with a pop and swelling
    assert f"urgency-{expected['urgency']}" in html
    names = {c["id"]: c["name"] for c in knowledge["causes"]}
    positions = [html.index(names[c["id"]].replace("'", "&#x27;")) for c in expected["causes"]]
    assert positions == sorted(positions), "causes are not shown most likely first"
    assert expected["causes"][0]["id"] == "meniscus_tear"
    assert "A pop" in html  # a plain-language reason
    assert "Sign in" in html and Assessment.objects.count() == 0


def test_an_out_of_range_number_shows_the_screen_again_with_the_error(anonymous_client):
    response = anonymous_client.post(
        START, {"screen": "pain", "answers": json.dumps(NO_RED_FLAGS), "pain_severity": "14"}
    )
    html = response.content.decode()
    assert screen_of(response) == "pain"
    assert 'aria-invalid="true"' in html and "at most 10" in html


@pytest.mark.parametrize(
    "data",
    [
        {"screen": "pain", "answers": "{not json", "pain_severity": "x"},
        {"screen": "nope", "answers": "[]"},
        {"answers": json.dumps({"age": 900, "x": 1})},
        {"screen": "how_long", "answers": "{}", "duration_days": "9" * 5000},
        {"change": "nope"},
    ],
)
def test_tampered_forms_never_give_a_server_error(anonymous_client, data):
    assert anonymous_client.post(START, data).status_code == 200


def test_htmx_gets_only_the_step_fragment(anonymous_client):
    response = anonymous_client.post(
        START,
        {"screen": "leg", "answers": json.dumps(NO_RED_FLAGS), "calf_swelling": "no"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html and "<template" not in html
    assert 'data-screen="knee"' in html and 'hx-post="/triage/"' in html


def test_every_htmx_form_also_posts_without_javascript(anonymous_client):
    html = anonymous_client.get(START).content.decode()
    for form in re.findall(r"<form[^>]*>", html):
        assert 'method="post"' in form and "action=" in form


def test_the_page_carries_templates_of_every_screen_and_the_result(anonymous_client):
    html = anonymous_client.get(START).content.decode()
    templates = html.split('<template id="triage-screens">')[1]
    for screen in load_knowledge()["screens"]:
        assert f'data-screen="{screen["id"]}"' in templates
    assert '<template id="triage-result">' in html and 'data-list="causes"' in html


def test_a_signed_in_patient_saves_a_result_once(patient, patient_client):
    client_id = str(uuid.uuid4())
    data = {"answers": json.dumps({"heard_pop": True}), "id": client_id}
    response = patient_client.post(reverse("triage:save"), data)
    assert response.status_code == 302
    assert response["Location"] == f"/triage/assessments/{client_id}/"
    patient_client.post(reverse("triage:save"), data)
    assert Assessment.objects.get().user == patient
    page = patient_client.get(response["Location"])
    assert "urgency-see_doctor" in page.content.decode()


def test_start_a_diary_from_a_result_saves_it_and_opens_the_diary(patient_client):
    data = {"answers": "{}", "id": str(uuid.uuid4()), "then": "diary"}
    response = patient_client.post(reverse("triage:save"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/diary/?from_assessment={data['id']}"


def test_a_result_page_offers_saving_only_when_signed_in(patient_client, anonymous_client):
    data = {"screen": "emergency_signs", "answers": "{}", "breathless": "yes"}

    def shown(client) -> str:
        return client.post(START, data).content.decode().split("<template")[0]

    assert "Save to my account" in shown(patient_client)
    assert "Save to my account" not in shown(anonymous_client)
    assert "Sign in</a> to save" in shown(anonymous_client)


def test_anonymous_visitors_cannot_save(anonymous_client):
    response = anonymous_client.post(reverse("triage:save"), {"answers": "{}"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert Assessment.objects.count() == 0


def test_someone_elses_saved_result_is_not_found(patient, other_patient_client):
    saved = Assessment.objects.record(assess(load_knowledge(), {}), {}, user=patient)[0]
    assert other_patient_client.get(f"/triage/assessments/{saved.pk}/").status_code == 404


def test_physiotherapists_and_admins_can_review_the_knowledge_base(
    physiotherapist_client, administrator_client
):
    for client in (physiotherapist_client, administrator_client):
        html = client.get("/triage/knowledge/").content.decode()
        assert "emergency_signs" in html and "rule-floor" in html
        assert "Baker&#x27;s cyst" in html and "Chest pain = Yes" in html
        assert load_knowledge()["version"] in html


def test_patients_do_not_see_the_knowledge_page_and_visitors_must_sign_in(
    patient_client, anonymous_client
):
    assert patient_client.get("/triage/knowledge/").status_code == 404
    response = anonymous_client.get("/triage/knowledge/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_service_worker_precaches_the_checker_and_the_knowledge_base(anonymous_client):
    script = anonymous_client.get("/sw.js").content.decode()
    for name in ("checker.js", "flow.js", "engine.js", "knowledge/back_of_knee.json"):
        assert f'"/static/triage/{name}"' in script
    assert '"/triage/"' in script


def test_the_offline_engines_load_the_very_knowledge_file_the_server_runs_on():
    """One file, two names: triage/knowledge/back_of_knee.json is also a static file (hashed
    in production, so that it is cached and replaced with the engine: tests/kneeapp/
    test_static_build.py)."""
    from django.contrib.staticfiles import finders

    from triage.knowledge import DEFAULT_PATH, STATIC_NAME

    assert Path(finders.find(STATIC_NAME)) == DEFAULT_PATH


def test_the_knowledge_page_shows_every_rule_with_its_source_and_the_serious_causes(
    physiotherapist_client,
):
    knowledge = load_knowledge()
    html = physiotherapist_client.get("/triage/knowledge/").content.decode()
    assert f"Version {knowledge['version']}" in html
    for rule in knowledge["rules"]:
        assert f"<code>{rule['id']}</code>" in html
        assert rule["source"].replace("'", "&#x27;") in html
    assert "Chest pain = Not sure" in html  # rule 9 in words
    assert "(or not answered)" in html  # rule 8 in words
    assert html.count(">to rule out</strong>") == sum(
        1 for cause in knowledge["causes"] if cause.get("serious")
    )


def test_a_new_knowledge_base_installs_a_new_offline_shell(settings, tmp_path):
    """The service worker's version covers the knowledge file: a phone that visits after a
    knowledge change installs a new shell (all its caches at once), never a mix."""
    import shutil

    from kneeapp.pwa import _fingerprint

    for folder in ("templates", "static", "triage/knowledge"):
        shutil.copytree(settings.BASE_DIR / folder, tmp_path / folder)
    settings.BASE_DIR = tmp_path
    knowledge_dir = ("triage/knowledge", tmp_path / "triage" / "knowledge")
    settings.STATICFILES_DIRS = [tmp_path / "static", knowledge_dir]
    before = _fingerprint()
    knowledge = tmp_path / "triage" / "knowledge" / "back_of_knee.json"
    data = json.loads(knowledge.read_text(encoding="utf-8"))
    data["version"] = data["version"] + ".1"
    knowledge.write_text(json.dumps(data), encoding="utf-8")
    assert _fingerprint() != before
