"""The questionnaire, one screen at a time, with the answers so far carried by the page.

Nothing is kept on the server between steps: each form carries the answers given so far
(as JSON in a hidden field) and the id of its screen, so the checker works anonymously,
without a session, and the same page can be cached for offline use. ``static/triage/
checker.js`` runs the same steps in the browser when there is no network; keep the two alike.
"""

import json
from dataclasses import dataclass, field

from triage.engine import assess, next_screen, screen_applies
from triage.knowledge import AnswersError, validate_answers

NOT_SURE = ""


@dataclass
class Step:
    """What to show next: a screen (with any errors) or, when ``screen`` is None, the result."""

    answers: dict
    screen: dict | None = None
    review: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    result: dict | None = None


def decode_answers(knowledge: dict, text: str | None) -> dict:
    """The answers carried by a form; anything tampered with or stale counts as not answered."""
    try:
        return validate_answers(knowledge, json.loads(text or "{}"))
    except (ValueError, AnswersError, RecursionError):
        return {}


def encode_answers(answers: dict) -> str:
    return json.dumps(answers, separators=(",", ":"))


def screen_by_id(knowledge: dict, screen_id: str | None) -> dict | None:
    return next((s for s in knowledge["screens"] if s["id"] == screen_id), None)


def previous_screen(knowledge: dict, answers: dict, screen: dict) -> dict | None:
    screens = knowledge["screens"]
    earlier = screens[: screens.index(screen)]
    return next((s for s in reversed(earlier) if screen_applies(s, answers)), None)


def prune(knowledge: dict, answers: dict) -> dict:
    """Drop the answers of screens that no longer apply (after an earlier answer changed)."""
    kept = dict(answers)
    for screen in knowledge["screens"]:
        if not screen_applies(screen, kept):
            for finding_id in screen["findings"]:
                kept.pop(finding_id, None)
    return kept


def read_screen(knowledge: dict, screen: dict, data) -> tuple[dict, dict[str, str]]:
    """The answers given on one screen's form, and an error message per bad finding."""
    findings = {finding["id"]: finding for finding in knowledge["findings"]}
    given, errors = {}, {}
    for finding_id in screen["findings"]:
        finding = findings[finding_id]
        raw = (data.get(finding_id) or NOT_SURE).strip()
        if raw == NOT_SURE:
            continue
        if finding["type"] == "bool":
            value = {"yes": True, "no": False}.get(raw)
        elif finding["type"] == "integer":
            value = int(raw) if raw.isdigit() and len(raw) <= 6 else raw
        else:
            value = raw
        given[finding_id] = value
    try:
        given = validate_answers(knowledge, given)
    except AnswersError as error:
        errors = error.errors
    return given, errors


def take_step(knowledge: dict, data) -> Step:
    """Where a submitted form leads: ``next``, ``back`` or ``change`` (to a screen)."""
    answers = decode_answers(knowledge, data.get("answers"))
    review = data.get("review") == "1"
    change = screen_by_id(knowledge, data.get("change"))
    if change is not None:
        return Step(answers, change, review=True)
    screen = screen_by_id(knowledge, data.get("screen"))
    if screen is None:
        return first_step(knowledge)
    if data.get("action") == "back":
        return Step(answers, previous_screen(knowledge, answers, screen) or screen, review)
    given, errors = read_screen(knowledge, screen, data)
    if errors:
        return Step(answers, screen, review, errors)
    answers = {key: value for key, value in answers.items() if key not in screen["findings"]}
    answers = prune(knowledge, validate_answers(knowledge, answers | given))
    result = assess(knowledge, answers)
    following = next_screen(knowledge, answers, after=screen["id"])
    # An emergency answer stops the questions at once; so does the end, or a changed answer.
    if result["urgency"] == "emergency" or following is None or review:
        return Step(answers, result=result)
    return Step(answers, following)


def first_step(knowledge: dict) -> Step:
    return Step({}, next_screen(knowledge, {}))
