"""The questionnaire, one screen at a time, with the answers so far carried by the page.

Nothing is kept on the server between steps: each form carries the answers given so far
(as JSON in a hidden field), the red flags still "not sure", and the id of its screen, so
the checker works anonymously, without a session, and the same page can be cached for
offline use. ``static/triage/flow.js`` is its twin in the browser when there is no network;
``tests/triage/test_flow_parity.py`` drives both through the same answer sequences.

The rules of the walk (``docs/triage.md``):

- Red-flag questions have no pre-selected answer. One left empty or answered "Not sure"
  is asked once more, alone, in plainer words (its ``reask`` text); still not sure, it is
  carried in ``unsure`` and the engine treats it as a warning sign to check (contract
  rule 9). A question the flow hides is never "left empty".
- An answer that makes the result an emergency stops the questions at once.
- A screen whose ``ask_if`` does not hold is skipped; the progress counts the screens that
  apply, or may still apply, given the answers so far.
- "Change answer" shows that screen, then every later screen the change made relevant,
  then the result again.
"""

import json
from dataclasses import dataclass, field

from triage.engine import assess, next_screen, screen_applies
from triage.knowledge import AnswersError, validate_answers, validate_unsure

NOT_SURE = ""


@dataclass
class Step:
    """What to show next: a screen (with any errors) or, when ``screen`` is None, the result.

    ``reask`` lists the red flags shown again in plainer words (the screen shows only them);
    ``walk`` lists the screens still to show after a changed answer (``review``).
    """

    answers: dict
    unsure: list[str] = field(default_factory=list)
    screen: dict | None = None
    reask: list[str] = field(default_factory=list)
    review: bool = False
    walk: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    result: dict | None = None


def decode_answers(knowledge: dict, text: str | None) -> dict:
    """The answers carried by a form; anything tampered with or stale counts as not answered."""
    try:
        return validate_answers(knowledge, json.loads(text or "{}"))
    except (ValueError, AnswersError, RecursionError):
        return {}


def decode_unsure(knowledge: dict, text: str | None, answers: dict) -> list[str]:
    """The red flags carried as "not sure"; anything tampered with counts as not asked."""
    try:
        return validate_unsure(knowledge, json.loads(text or "[]"), answers)
    except (ValueError, AnswersError, RecursionError):
        return []


def decode_ids(knowledge: dict, text: str | None, kind: str) -> list[str]:
    """A carried list of screen ids (``kind="screens"``) or finding ids (``"findings"``)."""
    known = [item["id"] for item in knowledge[kind]]
    wanted = (text or "").split(",")
    return [item_id for item_id in known if item_id in wanted]


def encode_answers(answers: dict) -> str:
    return json.dumps(answers, separators=(",", ":"))


def screen_by_id(knowledge: dict, screen_id: str | None) -> dict | None:
    return next((s for s in knowledge["screens"] if s["id"] == screen_id), None)


def red_flags(knowledge: dict) -> set[str]:
    return {finding["id"] for finding in knowledge["findings"] if finding.get("red_flag")}


def previous_screen(knowledge: dict, answers: dict, screen: dict) -> dict | None:
    screens = knowledge["screens"]
    earlier = screens[: screens.index(screen)]
    return next((s for s in reversed(earlier) if screen_applies(s, answers)), None)


def following_screen(knowledge: dict, answers: dict, screen: dict) -> dict | None:
    screens = knowledge["screens"]
    later = screens[screens.index(screen) + 1 :]
    return next((s for s in later if screen_applies(s, answers)), None)


def may_apply(screen: dict, answers: dict) -> bool:
    """Whether a screen applies, or still may once the findings its ``ask_if`` reads are given."""
    if screen_applies(screen, answers):
        return True
    return any(finding_id not in answers for finding_id in _findings_read(screen.get("ask_if")))


def _findings_read(condition: dict | None) -> list[str]:
    if condition is None:
        return []
    if "finding" in condition:
        return [condition["finding"]]
    return [
        f for child in condition.get("all", condition.get("any", [])) for f in _findings_read(child)
    ]


def progress(knowledge: dict, step: Step) -> tuple[int, int]:
    """(position, total) of the shown screen among those that apply or may still apply."""
    counted = [s for s in knowledge["screens"] if may_apply(s, step.answers) or s is step.screen]
    position = counted.index(step.screen) + 1
    if step.review:
        return position, position + len(step.walk)
    return position, len(counted)


def prune(knowledge: dict, answers: dict) -> dict:
    """Drop the answers of screens that no longer apply (after an earlier answer changed)."""
    kept = dict(answers)
    for screen in knowledge["screens"]:
        if not screen_applies(screen, kept):
            for finding_id in screen["findings"]:
                kept.pop(finding_id, None)
    return kept


def parse_integer(raw: str):
    """A whole number typed in ASCII digits, else the text itself (the validator names it)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else raw


def read_screen(knowledge: dict, shown: list[str], data) -> tuple[dict, dict[str, str]]:
    """The answers given to the shown findings, and an error message per bad finding."""
    findings = {finding["id"]: finding for finding in knowledge["findings"]}
    given, errors = {}, {}
    for finding_id in shown:
        finding = findings[finding_id]
        raw = (data.get(finding_id) or NOT_SURE).strip()
        if raw == NOT_SURE:
            continue
        if finding["type"] == "bool":
            value = {"yes": True, "no": False}.get(raw, raw)
        elif finding["type"] == "integer":
            value = parse_integer(raw)
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
    unsure = decode_unsure(knowledge, data.get("unsure"), answers)
    review = data.get("review") == "1"
    walk = decode_ids(knowledge, data.get("walk"), "screens")
    change = screen_by_id(knowledge, data.get("change"))
    if change is not None:
        return Step(answers, unsure, change, review=True)
    screen = screen_by_id(knowledge, data.get("screen"))
    if screen is None:
        return first_step(knowledge)
    reask = [
        f for f in decode_ids(knowledge, data.get("reask"), "findings") if f in screen["findings"]
    ]
    if data.get("action") == "back":
        if reask:  # back from the plainer question is the screen as first shown
            return Step(answers, unsure, screen, review=review, walk=walk)
        earlier = previous_screen(knowledge, answers, screen) or screen
        return Step(answers, unsure, earlier, review=review, walk=walk)
    shown = reask or screen["findings"]
    given, errors = read_screen(knowledge, shown, data)
    if errors:
        return Step(answers, unsure, screen, reask, review, walk, errors)

    before = answers
    answers = {key: value for key, value in answers.items() if key not in shown} | given
    answers = prune(knowledge, answers)
    flags = red_flags(knowledge)
    left_empty = [f for f in shown if f in flags and f not in given]
    unsure = [f for f in unsure if f not in shown and f not in answers]
    if reask:
        unsure = [f for f in (unsure + left_empty) if f in flags]
    unsure = validate_unsure(knowledge, [f for f in unsure if f in flags], answers)
    result = assess(knowledge, answers, unsure)
    if result["urgency"] == "emergency":  # stops the questions at once
        return Step(answers, unsure, review=review, result=result)
    if review:
        walk = _walk_after_change(knowledge, before, answers, screen, walk)
    if left_empty and not reask:
        return Step(answers, unsure, screen, left_empty, review, walk)
    if review:
        if not walk:
            return Step(answers, unsure, review=True, result=result)
        return Step(answers, unsure, screen_by_id(knowledge, walk[0]), review=True, walk=walk[1:])
    following = following_screen(knowledge, answers, screen)
    if following is None:
        return Step(answers, unsure, result=result)
    return Step(answers, unsure, following)


def _walk_after_change(knowledge, before: dict, after: dict, screen: dict, walk: list[str]):
    """The screens still to show after a change: those left to walk, and the newly relevant."""
    screens = knowledge["screens"]
    later = screens[screens.index(screen) + 1 :]
    return [
        s["id"]
        for s in later
        if screen_applies(s, after) and (s["id"] in walk or not screen_applies(s, before))
    ]


def first_step(knowledge: dict) -> Step:
    return Step({}, screen=next_screen(knowledge, {}))
