"""Turn knowledge, answers and results into what the templates show.

The page's markup is rendered from these, both for the server's pages and, once, as the
``<template>`` elements that ``static/triage/checker.js`` fills in when offline.
"""

import json

from django.utils.translation import gettext as _

from triage import flow
from triage.engine import assess
from triage.flow import NOT_SURE, Step

# An unsure answer to these keeps the emergency number on screen (contract rule 9).
BREATHING = ("chest_pain", "breathless")


def _findings(knowledge: dict) -> dict[str, dict]:
    return {finding["id"]: finding for finding in knowledge["findings"]}


def answer_text(finding: dict, value) -> str:
    if finding["type"] == "bool":
        return _("Yes") if value else _("No")
    if finding["type"] == "enum":
        return next(o["label"] for o in finding["options"] if o["id"] == value)
    return str(value)


def said(finding: dict, value) -> str:
    """An answer in the patient's own words: "you cannot take 4 steps on this leg"."""
    if finding["type"] == "enum":
        return next(o["said"] for o in finding["options"] if o["id"] == value)
    if finding["type"] == "integer":
        return finding["said"].replace("{value}", str(value))
    if value is True:
        return finding["said"]
    return f"{finding['label']}: {answer_text(finding, value)}"


def form_value(finding: dict, value) -> str | None:
    """The radio button to check: none for an unanswered red flag (contract rule 9)."""
    if value is None:
        return None if finding.get("red_flag") else NOT_SURE
    if finding["type"] == "bool":
        return "yes" if value else "no"
    return str(value)


def screen_view(knowledge: dict, step: Step) -> dict:
    findings = _findings(knowledge)
    screen = step.screen
    questions = []
    for finding_id in step.reask or screen["findings"]:
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
                "text": finding["reask"] if step.reask else finding["question"],
                "options": options,
                "value": form_value(finding, step.answers.get(finding_id)),
                "error": step.errors.get(finding_id, ""),
            }
        )
    position, total = flow.progress(knowledge, step)
    return {
        "screen": screen,
        "questions": questions,
        "position": position,
        "total": total,
        "first": screen is knowledge["screens"][0] and not step.reask,
        "reask": ",".join(step.reask),
        "walk": ",".join(step.walk),
        "unsure": json.dumps(step.unsure, separators=(",", ":")),
    }


def calls_for_help_now(result: dict, unsure) -> bool:
    """The emergency number as a big button: every emergency, and an unsure chest or breath."""
    return result["urgency"] == "emergency" or bool(set(unsure) & set(BREATHING))


def result_view(knowledge: dict, result: dict, answers: dict, unsure=()) -> dict:
    findings = _findings(knowledge)
    causes = {cause["id"]: cause for cause in knowledge["causes"]}
    level = next(lvl for lvl in knowledge["urgency_levels"] if lvl["id"] == result["urgency"])
    shown = [
        {
            "id": cause["id"],
            "name": causes[cause["id"]]["name"],
            "summary": causes[cause["id"]]["summary"],
            "serious": causes[cause["id"]].get("serious", False),
            "reasons": [said(findings[f], answers[f]) for f in cause["because"] if f in answers],
        }
        for cause in result["causes"]
    ]
    unsure = [f for f in unsure if f in findings]
    return {
        "level": level,
        "reasons": [said(findings[f], answers[f]) for f in result["red_flags"] if f in answers],
        "unsure": [findings[f]["label"] for f in unsure],
        "call": calls_for_help_now(result, unsure),
        "rule_out": [cause for cause in shown if cause["serious"]],
        "causes": [cause for cause in shown if not cause["serious"]],
        "advice": result["advice"],
        "summary": summary(knowledge, answers, unsure),
        "knowledge_version": result["knowledge_version"],
    }


def summary(knowledge: dict, answers: dict, unsure=()) -> list[dict]:
    """The answered screens, each with its answers, for "change an answer"."""
    findings = _findings(knowledge)
    rows = []
    for screen in knowledge["screens"]:
        items = [
            {
                "label": findings[f]["label"],
                "answer": answer_text(findings[f], answers[f]) if f in answers else _("Not sure"),
            }
            for f in screen["findings"]
            if f in answers or f in unsure
        ]
        if items:
            rows.append({"screen": screen, "items": items})
    return rows


_SIGNS: dict[str, dict[str, list[str]]] = {}


def help_signs(knowledge: dict) -> dict[str, list[str]]:
    """Findings that alone call for an emergency, or for help today (once per version)."""
    cached = _SIGNS.get(knowledge["version"])
    if cached is not None:
        return cached
    signs: dict[str, list[str]] = {"emergency": [], "urgent": []}
    for finding in knowledge["findings"]:
        if finding["type"] != "bool":
            continue
        urgency = assess(knowledge, {finding["id"]: True})["urgency"]
        if urgency in signs:
            signs[urgency].append(finding["label"])
    _SIGNS[knowledge["version"]] = signs
    return signs


def blank_result(knowledge: dict) -> dict:
    """A result with one empty item per list: the prototype that checker.js fills in."""
    cause = {"id": "", "name": "", "summary": "", "serious": False, "reasons": [""]}
    return {
        "level": {"id": "self_care", "label": "", "action": "", "explanation": ""},
        "reasons": [""],
        "unsure": [""],
        "call": False,
        "rule_out": [cause],
        "causes": [cause],
        "advice": [""],
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
    if condition.get("unsure"):
        return f"{finding['label']} = {_('Not sure')}"
    text = _describe_leaf(finding, condition)
    return text + _(" (or not answered)") if condition.get("if_missing") else text


def _describe_leaf(finding: dict, condition: dict) -> str:
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
    names = {cause["id"]: cause["name"] for cause in knowledge["causes"]}
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
                "serious": cause.get("serious", False),
                "at_least": levels.get(cause.get("at_least"), ""),
            }
            for cause in knowledge["causes"]
        ],
        "rules": [
            {
                **rule,
                "level": levels[rule["urgency"]],
                "text": describe_condition(knowledge, rule),
                "suspects": [names[cause_id] for cause_id in rule.get("suspects", [])],
                "advice": [advice[advice_id] for advice_id in rule.get("advice", [])],
            }
            for rule in knowledge["rules"]
        ],
    }
