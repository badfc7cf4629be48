"""The symptom checker's engine: from a set of answers to urgency, possible causes and advice.

Pure and deterministic, with no Django in it. ``static/triage/engine.js`` is its twin for
the offline app and must give the same result for any answers; ``tests/triage/test_parity.py``
holds the two together, so change both or neither.

How it decides:

- Urgency comes from the knowledge base's rules only: the highest level of any rule whose
  condition holds, or ``self_care``. Causes never lower it.
- A cause's score is a noisy-OR of the weights whose conditions hold,
  ``1 - (1 - w1) * (1 - w2) * ...``, times the factor of each ``against`` entry that holds.
  Both loops run in knowledge-base order, so Python and JavaScript do the same float
  operations in the same order and get the same numbers.
- A condition on a finding that was not answered is false: "not answered" is not "no".
"""

from triage.knowledge import validate_answers


def condition_holds(condition: dict, answers: dict) -> bool:
    """Whether a knowledge-base condition holds for these (valid) answers."""
    return _matched(condition, answers) is not None


def screen_applies(screen: dict, answers: dict) -> bool:
    """Whether a questionnaire screen should be shown, given the answers so far."""
    ask_if = screen.get("ask_if")
    return ask_if is None or condition_holds(ask_if, answers)


def next_screen(knowledge: dict, answers: dict, after: str | None = None) -> dict | None:
    """The first screen after the one with id ``after`` (or the first of all) that applies."""
    screens = knowledge["screens"]
    start = 0
    if after is not None:
        start = [screen["id"] for screen in screens].index(after) + 1  # ValueError if unknown
    for screen in screens[start:]:
        if screen_applies(screen, answers):
            return screen
    return None


def assess(knowledge: dict, answers: dict) -> dict:
    """Assess a set of answers; raises ``AnswersError`` when an answer is not valid."""
    answers = validate_answers(knowledge, answers)
    order = {finding["id"]: index for index, finding in enumerate(knowledge["findings"])}
    levels = [level["id"] for level in knowledge["urgency_levels"]]

    rank = 0
    flagged: set[str] = set()
    for rule in knowledge["rules"]:
        found = _matched(rule, answers)
        if found is None:
            continue
        rule_rank = levels.index(rule["urgency"])
        rank = max(rank, rule_rank)
        flagged.update(found)  # rules never name self_care, so every match raises

    causes = _score_causes(knowledge, answers, order)
    return {
        "urgency": levels[rank],
        "causes": causes,
        "red_flags": sorted(flagged, key=order.__getitem__),
        "advice": _advice(knowledge, levels, rank, causes),
        "knowledge_version": knowledge["version"],
    }


def _matched(condition: dict, answers: dict) -> list[str] | None:
    """The findings that make a condition hold, or None when it does not hold."""
    if "all" in condition:
        found = []
        for child in condition["all"]:
            child_found = _matched(child, answers)
            if child_found is None:
                return None
            found.extend(child_found)
        return found
    if "any" in condition:
        found, holds = [], False
        for child in condition["any"]:
            child_found = _matched(child, answers)
            if child_found is not None:
                holds = True
                found.extend(child_found)
        return found if holds else None
    finding_id = condition["finding"]
    value = answers.get(finding_id)
    if value is None:
        return None
    return [finding_id] if _compare(condition, value) else None


def _compare(condition: dict, value) -> bool:
    if "is" in condition:
        return value == condition["is"]
    if "in" in condition:
        return value in condition["in"]
    if "not_in" in condition:
        return value not in condition["not_in"]
    if "gt" in condition:
        return value > condition["gt"]
    if "gte" in condition:
        return value >= condition["gte"]
    if "lt" in condition:
        return value < condition["lt"]
    return value <= condition["lte"]


def _score_causes(knowledge: dict, answers: dict, order: dict[str, int]) -> list[dict]:
    causes = []
    for cause in knowledge["causes"]:
        unexplained = 1.0
        because: set[str] = set()
        for weight in cause["weights"]:
            found = _matched(weight, answers)
            if found is not None:
                unexplained = unexplained * (1.0 - weight["weight"])
                because.update(found)
        score = 1.0 - unexplained
        if score <= 0:
            continue
        for against in cause.get("against", []):
            if _matched(against, answers) is not None:
                score = score * against["factor"]
        causes.append(
            {"id": cause["id"], "score": score, "because": sorted(because, key=order.__getitem__)}
        )
    causes.sort(key=lambda cause: (-cause["score"], cause["id"]))
    return causes


def _advice(knowledge: dict, levels: list[str], rank: int, causes: list[dict]) -> list[str]:
    """The urgency's advice, then the likeliest causes' advice; each item once, in that order.

    Only the ``top`` causes scoring at least ``min_score`` (``advice_from_causes``) add
    theirs, so an unlikely cause does not crowd the page. An item with a ``max_urgency``
    below the result's urgency is left out, so that, say, calf stretches are never
    suggested next to "call the emergency number".
    """
    items = {item["id"]: item for item in knowledge["advice_items"]}
    advice_of_cause = {cause["id"]: cause["advice"] for cause in knowledge["causes"]}
    limits = knowledge["advice_from_causes"]
    wanted = list(knowledge["advice"][levels[rank]])
    for cause in causes[: limits["top"]]:
        if cause["score"] >= limits["min_score"]:
            wanted.extend(advice_of_cause[cause["id"]])
    texts, seen = [], set()
    for advice_id in wanted:
        if advice_id in seen:
            continue
        seen.add(advice_id)
        item = items[advice_id]
        if levels.index(item.get("max_urgency", levels[-1])) >= rank:
            texts.append(item["text"])
    return texts
