"""The symptom checker's engine: from a set of answers to urgency, possible causes and advice.

Pure and deterministic, with no Django in it. ``static/triage/engine.js`` is its twin for
the offline app and must give the same result for any answers; ``tests/triage/test_parity.py``
holds the two together, so change both or neither.

How it decides:

- Urgency comes from the knowledge base's rules: the highest level of any rule whose
  condition holds, or ``self_care``; a cause with ``at_least`` raises it to that level
  when the cause is on the result (a possible clot is never "look after it at home").
  Causes never lower it.
- A cause's score is a noisy-OR of the weights whose conditions hold,
  ``1 - (1 - w1) * (1 - w2) * ...``, times the factor of each ``against`` entry that holds.
  Both loops run in knowledge-base order, so Python and JavaScript do the same float
  operations in the same order and get the same numbers.
- A condition on a finding that was not answered is false: "not answered" is not "no",
  unless it says ``"if_missing": true`` (contract rule 8: a left-out ``injury`` counts as
  an injury for the rules that need one). A leaf ``{"finding": id, "unsure": true}`` holds
  when the patient said "not sure" to that red-flag question (contract rule 9).
- Advice never contradicts the result: an item with ``not_while`` is left out while one of
  those causes is possible (named among the causes, or suspected by a rule that fired).
"""

from triage.knowledge import validate_answers, validate_unsure


def condition_holds(condition: dict, answers: dict, unsure=()) -> bool:
    """Whether a knowledge-base condition holds for these (valid) answers."""
    return _compile(condition)(answers, frozenset(unsure)) is not None


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


def assess(knowledge: dict, answers: dict, unsure=()) -> dict:
    """Assess a set of answers; raises ``AnswersError`` when an answer is not valid.

    ``unsure`` lists the red-flag findings the patient said "not sure" to.
    """
    answers = validate_answers(knowledge, answers)
    unsure_ids = validate_unsure(knowledge, unsure, answers)
    unsure_set = frozenset(unsure_ids)
    compiled = _compiled(knowledge)
    order = compiled.order

    rank = 0
    flagged: set[str] = set()
    suspected: set[str] = set()
    rule_advice: list[str] = []
    for matches, rule_rank, rule in compiled.rules:
        found = matches(answers, unsure_set)
        if found is None:
            continue
        rank = max(rank, rule_rank)
        flagged.update(found)  # rules never name self_care, so every match raises
        suspected.update(rule.get("suspects", ()))
        rule_advice.extend(rule.get("advice", ()))

    causes = []
    for cause_id, weights, against in compiled.causes:
        unexplained = 1.0
        because: set[str] = set()
        for matches, weight in weights:
            found = matches(answers, unsure_set)
            if found is not None:
                unexplained = unexplained * (1.0 - weight)
                because.update(found)
        score = 1.0 - unexplained
        if score <= 0:
            continue
        for matches, factor in against:
            if matches(answers, unsure_set) is not None:
                score = score * factor
        causes.append(
            {"id": cause_id, "score": score, "because": sorted(because, key=order.__getitem__)}
        )
    causes.sort(key=lambda cause: (-cause["score"], cause["id"]))
    for cause in causes:  # a serious cause on the result is never below its level
        at_least = compiled.at_least.get(cause["id"])
        if at_least is not None and at_least > rank:
            rank = at_least
            flagged.update(cause["because"])
    possible = suspected | {cause["id"] for cause in causes}
    return {
        "urgency": compiled.levels[rank],
        "causes": causes,
        "red_flags": sorted(flagged, key=order.__getitem__),
        "advice": _advice(knowledge, compiled, rank, causes, rule_advice, possible),
        "knowledge_version": knowledge["version"],
    }


class _Compiled:
    """A knowledge base turned into closures and lookup tables, made once per knowledge dict."""

    def __init__(self, knowledge: dict):
        self.order = {finding["id"]: index for index, finding in enumerate(knowledge["findings"])}
        self.levels = [level["id"] for level in knowledge["urgency_levels"]]
        self.rules = [
            (_compile(rule), self.levels.index(rule["urgency"]), rule)
            for rule in knowledge["rules"]
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
        self.at_least = {
            cause["id"]: self.levels.index(cause["at_least"])
            for cause in knowledge["causes"]
            if "at_least" in cause
        }


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

        def all_hold(answers, unsure):
            found = []
            for child in children:
                child_found = child(answers, unsure)
                if child_found is None:
                    return None
                found.extend(child_found)
            return found

        return all_hold
    if "any" in condition:
        children = [_compile(child) for child in condition["any"]]

        def any_holds(answers, unsure):
            found, holds = [], False
            for child in children:
                child_found = child(answers, unsure)
                if child_found is not None:
                    holds = True
                    found.extend(child_found)
            return found if holds else None

        return any_holds
    finding_id = condition["finding"]
    hit = [finding_id]
    if condition.get("unsure"):

        def unsure_leaf(answers, unsure):
            return hit if finding_id in unsure else None

        return unsure_leaf
    if_missing: list[str] | None = [] if condition.get("if_missing") else None

    def leaf(answers, unsure):
        value = answers.get(finding_id)
        if value is None:
            return if_missing  # holds without naming a finding the patient did not give
        return hit if _compare(condition, value) else None

    return leaf


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


def _advice(
    knowledge: dict,
    compiled: _Compiled,
    rank: int,
    causes: list[dict],
    rule_advice: list[str],
    possible: set[str],
) -> list[str]:
    """The urgency's advice, the fired rules', then the likeliest causes'; each item once.

    Only the ``top`` causes scoring at least ``min_score`` (``advice_from_causes``) add
    theirs, so an unlikely cause does not crowd the page. An item with a ``max_urgency``
    below the result's urgency is left out (no calf stretches next to "call the emergency
    number"), and so is one whose ``not_while`` names a possible cause (no stretching while
    a clot is possible). At most ``max_advice`` items are kept.
    """
    levels, items, advice_of_cause = compiled.levels, compiled.items, compiled.advice_of_cause
    limits = knowledge["advice_from_causes"]
    # The level's first item says what to do; what the fired rules add comes right after it.
    level_advice = knowledge["advice"][levels[rank]]
    wanted = level_advice[:1] + rule_advice + level_advice[1:]
    for cause in causes[: limits["top"]]:
        if cause["score"] >= limits["min_score"]:
            wanted.extend(advice_of_cause[cause["id"]])
    texts, seen = [], set()
    for advice_id in wanted:
        if advice_id in seen:
            continue
        seen.add(advice_id)
        item = items[advice_id]
        if levels.index(item.get("max_urgency", levels[-1])) < rank:
            continue
        if possible.intersection(item.get("not_while", ())):
            continue
        texts.append(item["text"])
    return texts[: knowledge["max_advice"]]
