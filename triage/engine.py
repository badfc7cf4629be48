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
    compiled = _compiled(knowledge)
    order = compiled.order

    rank = 0
    flagged: set[str] = set()
    for matches, rule_rank in compiled.rules:
        found = matches(answers)
        if found is None:
            continue
        rank = max(rank, rule_rank)
        flagged.update(found)  # rules never name self_care, so every match raises

    causes = []
    for cause_id, weights, against in compiled.causes:
        unexplained = 1.0
        because: set[str] = set()
        for matches, weight in weights:
            found = matches(answers)
            if found is not None:
                unexplained = unexplained * (1.0 - weight)
                because.update(found)
        score = 1.0 - unexplained
        if score <= 0:
            continue
        for matches, factor in against:
            if matches(answers) is not None:
                score = score * factor
        causes.append(
            {"id": cause_id, "score": score, "because": sorted(because, key=order.__getitem__)}
        )
    causes.sort(key=lambda cause: (-cause["score"], cause["id"]))
    return {
        "urgency": compiled.levels[rank],
        "causes": causes,
        "red_flags": sorted(flagged, key=order.__getitem__),
        "advice": _advice(knowledge, compiled, rank, causes),
        "knowledge_version": knowledge["version"],
    }


class _Compiled:
    """A knowledge base turned into closures and lookup tables, made once per knowledge dict."""

    def __init__(self, knowledge: dict):
        self.order = {finding["id"]: index for index, finding in enumerate(knowledge["findings"])}
        self.levels = [level["id"] for level in knowledge["urgency_levels"]]
        self.rules = [
            (_compile(rule), self.levels.index(rule["urgency"])) for rule in knowledge["rules"]
        ]
        self.causes = [
            (
                cause["id"],
                [(_compile(weight), weight["weight"]) for weight in cause["weights"]],
                [(_compile(against), against["factor"]) for against in cause.get("against", [])],
            )
            for cause in knowledge["causes"]
        ]
        self.items = {item["id"]: item for item in knowledge["advice_items"]}
        self.advice_of_cause = {cause["id"]: cause["advice"] for cause in knowledge["causes"]}


# Keyed by id() with the dict itself kept alongside, so a new dict at a recycled id is not
# mistaken for an old one. Knowledge dicts are read-only once loaded (see load_knowledge).
_COMPILED: dict[int, tuple[dict, _Compiled]] = {}


def _compiled(knowledge: dict) -> _Compiled:
    entry = _COMPILED.get(id(knowledge))
    if entry is not None and entry[0] is knowledge:
        return entry[1]
    if len(_COMPILED) >= 16:
        _COMPILED.clear()
    compiled = _Compiled(knowledge)
    _COMPILED[id(knowledge)] = (knowledge, compiled)
    return compiled


def _compile(condition: dict):
    """A function of the answers giving the findings that make ``condition`` hold, or None."""
    if "all" in condition:
        children = [_compile(child) for child in condition["all"]]

        def all_hold(answers):
            found = []
            for child in children:
                child_found = child(answers)
                if child_found is None:
                    return None
                found.extend(child_found)
            return found

        return all_hold
    if "any" in condition:
        children = [_compile(child) for child in condition["any"]]

        def any_holds(answers):
            found, holds = [], False
            for child in children:
                child_found = child(answers)
                if child_found is not None:
                    holds = True
                    found.extend(child_found)
            return found if holds else None

        return any_holds
    finding_id = condition["finding"]
    hit = [finding_id]

    def leaf(answers):
        value = answers.get(finding_id)
        if value is None or not _compare(condition, value):
            return None
        return hit

    return leaf


def _matched(condition: dict, answers: dict) -> list[str] | None:
    """The findings that make a condition hold, or None when it does not hold."""
    return _compile(condition)(answers)


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


def _advice(knowledge: dict, compiled: _Compiled, rank: int, causes: list[dict]) -> list[str]:
    """The urgency's advice, then the likeliest causes' advice; each item once, in that order.

    Only the ``top`` causes scoring at least ``min_score`` (``advice_from_causes``) add
    theirs, so an unlikely cause does not crowd the page. An item with a ``max_urgency``
    below the result's urgency is left out, so that, say, calf stretches are never
    suggested next to "call the emergency number".
    """
    levels, items, advice_of_cause = compiled.levels, compiled.items, compiled.advice_of_cause
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
