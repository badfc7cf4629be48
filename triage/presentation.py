"""Turn knowledge, answers and results into what the templates show.

The page's markup is rendered from these, both for the server's pages and, once, as the
``<template>`` elements that ``static/triage/checker.js`` fills in when offline.
"""

from django.utils.translation import gettext as _

from triage.flow import NOT_SURE


def _findings(knowledge: dict) -> dict[str, dict]:
    return {finding["id"]: finding for finding in knowledge["findings"]}


def answer_text(finding: dict, value) -> str:
    if finding["type"] == "bool":
        return _("Yes") if value else _("No")
    if finding["type"] == "enum":
        return next(o["label"] for o in finding["options"] if o["id"] == value)
    return str(value)


def form_value(finding: dict, value) -> str:
    if value is None:
        return NOT_SURE
    if finding["type"] == "bool":
        return "yes" if value else "no"
    return str(value)


def screen_view(knowledge: dict, screen: dict, answers: dict, errors: dict | None = None) -> dict:
    findings = _findings(knowledge)
    questions = []
    for finding_id in screen["findings"]:
        finding = findings[finding_id]
        if finding["type"] == "bool":
            options = [("yes", _("Yes")), ("no", _("No"))]
        elif finding["type"] == "enum":
            options = [(o["id"], o["label"]) for o in finding["options"]]
        else:
            options = []
        if options:
            options.append((NOT_SURE, _("Not sure")))
        questions.append(
            {
                "finding": finding,
                "options": options,
                "value": form_value(finding, answers.get(finding_id)),
                "error": (errors or {}).get(finding_id, ""),
            }
        )
    screens = knowledge["screens"]
    return {
        "screen": screen,
        "questions": questions,
        "position": screens.index(screen) + 1,
        "total": len(screens),
        "first": screen is screens[0],
    }


def result_view(knowledge: dict, result: dict, answers: dict) -> dict:
    findings = _findings(knowledge)
    causes = {cause["id"]: cause for cause in knowledge["causes"]}
    level = next(lvl for lvl in knowledge["urgency_levels"] if lvl["id"] == result["urgency"])
    return {
        "level": level,
        "causes": [
            {
                "id": cause["id"],
                "name": causes[cause["id"]]["name"],
                "summary": causes[cause["id"]]["summary"],
                "reasons": [findings[f]["label"] for f in cause["because"]],
            }
            for cause in result["causes"]
        ],
        "advice": result["advice"],
        "red_flags": [findings[f]["label"] for f in result["red_flags"]],
        "summary": summary(knowledge, answers),
        "knowledge_version": result["knowledge_version"],
    }


def summary(knowledge: dict, answers: dict) -> list[dict]:
    """The answered screens, each with its answers, for "change an answer"."""
    findings = _findings(knowledge)
    rows = []
    for screen in knowledge["screens"]:
        items = [
            {"label": findings[f]["label"], "answer": answer_text(findings[f], answers[f])}
            for f in screen["findings"]
            if f in answers
        ]
        if items:
            rows.append({"screen": screen, "items": items})
    return rows


def help_signs(knowledge: dict) -> dict[str, list[str]]:
    """Red-flag findings by the most urgent level of a rule that names them."""
    levels = [level["id"] for level in knowledge["urgency_levels"]]
    highest: dict[str, int] = {}

    def walk(condition: dict, rank: int) -> None:
        for child in condition.get("all", []) + condition.get("any", []):
            walk(child, rank)
        if "finding" in condition:
            highest[condition["finding"]] = max(highest.get(condition["finding"], 0), rank)

    for rule in knowledge["rules"]:
        walk(rule, levels.index(rule["urgency"]))
    signs: dict[str, list[str]] = {"emergency": [], "urgent": []}
    for finding in knowledge["findings"]:
        rank = highest.get(finding["id"], 0)
        if finding.get("red_flag") and rank >= levels.index("urgent"):
            signs["emergency" if rank == levels.index("emergency") else "urgent"].append(
                finding["label"]
            )
    return signs


def blank_result(knowledge: dict) -> dict:
    """A result with one empty item per list: the prototype that checker.js fills in."""
    return {
        "level": {"id": "self_care", "label": "", "action": "", "explanation": ""},
        "causes": [{"id": "", "name": "", "summary": "", "reasons": [""]}],
        "advice": [""],
        "red_flags": [""],
        "summary": [{"screen": {"id": "", "title": ""}, "items": [{"label": "", "answer": ""}]}],
        "knowledge_version": knowledge["version"],
    }


def describe_condition(knowledge: dict, condition: dict) -> str:
    """A knowledge-base condition in words, for clinicians (``Calf swollen = yes``)."""
    if "all" in condition or "any" in condition:
        word = _(" and ") if "all" in condition else _(" or ")
        parts = [
            describe_condition(knowledge, c) for c in condition.get("all", condition.get("any"))
        ]
        return "(" + word.join(parts) + ")" if len(parts) > 1 else parts[0]
    finding = _findings(knowledge)[condition["finding"]]

    def show(value) -> str:
        return answer_text(finding, value) if finding["type"] != "integer" else str(value)

    symbols = {"is": "=", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
    for operator, symbol in symbols.items():
        if operator in condition:
            return f"{finding['label']} {symbol} {show(condition[operator])}"
    values = ", ".join(show(value) for value in condition.get("in", condition.get("not_in", [])))
    verb = _("is one of") if "in" in condition else _("is none of")
    return f"{finding['label']} {verb}: {values}"


def knowledge_view(knowledge: dict) -> dict:
    levels = {level["id"]: level["label"] for level in knowledge["urgency_levels"]}
    advice = {item["id"]: item["text"] for item in knowledge["advice_items"]}
    return {
        "version": knowledge["version"],
        "disclaimer": knowledge["disclaimer"],
        "causes": [
            {
                "id": cause["id"],
                "name": cause["name"],
                "summary": cause["summary"],
                "weights": [
                    {**entry, "text": describe_condition(knowledge, entry)}
                    for entry in cause["weights"]
                ],
                "against": [
                    {**entry, "text": describe_condition(knowledge, entry)}
                    for entry in cause.get("against", [])
                ],
                "advice": [advice[advice_id] for advice_id in cause["advice"]],
            }
            for cause in knowledge["causes"]
        ],
        "rules": [
            {
                **rule,
                "level": levels[rule["urgency"]],
                "text": describe_condition(knowledge, rule),
            }
            for rule in knowledge["rules"]
        ],
    }
