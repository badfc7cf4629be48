"""The schema check of the knowledge file: one place that says what a valid file is.

:func:`validate_knowledge` refuses a file that does not hold together and says where, as a
JSON path (``causes[3].weights[1].finding: unknown finding 'calf_swel'``), so a mistake in
the data never turns into a wrong answer for a patient. The format is in ``docs/triage.md``.
"""

import math
import re

from triage.contract import (
    CAUSE_IDS,
    CONTRACT_FINDINGS,
    RED_FLAG_IDS,
    SCHEMA_VERSION,
    URGENCY_LEVELS,
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_OPERATORS_BY_TYPE = {
    "bool": ("is",),
    "enum": ("is", "in", "not_in"),
    "integer": ("is", "gt", "gte", "lt", "lte"),
}
_OPERATORS = ("is", "in", "not_in", "gt", "gte", "lt", "lte")


class KnowledgeError(ValueError):
    """The knowledge file is broken; the message starts with the JSON path of the problem."""


def is_whole_number(value) -> bool:
    # bool is a subclass of int in Python, but true is not 1 in the answers vocabulary.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return is_whole_number(value) or (isinstance(value, float) and math.isfinite(value))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fail(path: str, message: str):
    raise KnowledgeError(f"{path or '$'}: {message}")


def _text(node: dict, key: str, path: str, *, required: bool = True) -> None:
    value = node.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        _fail(_join(path, key), "must be a non-empty string")


def _list(node: dict, key: str, path: str, *, empty: bool = False) -> list:
    value = node.get(key)
    if not isinstance(value, list) or (not value and not empty):
        _fail(_join(path, key), "must be a list" if empty else "must be a non-empty list")
    return value


def _only(node: dict, path: str, allowed: frozenset[str]) -> None:
    """A misspelt key (``not_whlie``) is an error, not a rule silently left out."""
    unknown = sorted(set(node) - allowed)
    if unknown:
        _fail(_join(path, unknown[0]), f"unknown key (expected one of {sorted(allowed)})")


# The keys each kind of object may have (a rule's and an entry's conditions are checked
# key by key in check_condition).
_KEYS = {
    "": frozenset({"version", "schema_version", "language", "disclaimer", "urgency_levels",
                   "findings", "screens", "causes", "rules", "advice_from_causes",
                   "advice_items", "advice", "max_advice"}),
    "urgency_levels": frozenset({"id", "label", "action", "explanation"}),
    "findings": frozenset({"id", "label", "said", "type", "question", "reask", "help",
                           "red_flag", "min", "max", "options"}),
    "options": frozenset({"id", "label", "said"}),
    "screens": frozenset({"id", "title", "help", "findings", "ask_if"}),
    "advice_items": frozenset({"id", "text", "max_urgency", "not_while"}),
    "causes": frozenset({"id", "name", "summary", "serious", "at_least", "weights", "against",
                         "advice"}),
}  # fmt: skip


def _objects(node: dict, key: str, path: str, *, empty: bool = False) -> list[tuple[str, dict]]:
    """The objects of a list, each with its path; each must have a fresh, well-formed id
    (and, for the kinds in ``_KEYS``, no key but the known ones)."""
    result, seen = [], set()
    for index, item in enumerate(_list(node, key, path, empty=empty)):
        item_path = f"{_join(path, key)}[{index}]"
        if not isinstance(item, dict):
            _fail(item_path, "must be an object")
        if key in _KEYS:
            _only(item, item_path, _KEYS[key])
        item_id = item.get("id")
        if not isinstance(item_id, str) or not _ID.match(item_id):
            _fail(f"{item_path}.id", "must be a lower_snake_case string")
        if item_id in seen:
            _fail(f"{item_path}.id", f"duplicate id {item_id!r}")
        seen.add(item_id)
        result.append((item_path, item))
    return result


class _Checker:
    """Walks one knowledge base, stopping at the first problem."""

    def __init__(self, data):
        if not isinstance(data, dict):
            _fail("$", "must be an object")
        self.data = data
        self.findings: dict[str, dict] = {}

    def check(self) -> None:
        data = self.data
        _only(data, "", _KEYS[""])
        _text(data, "version", "")
        if len(data["version"]) > 32:
            _fail("version", "must be at most 32 characters (it is stored with each result)")
        if data.get("schema_version") != SCHEMA_VERSION or not is_whole_number(
            data["schema_version"]
        ):
            _fail("schema_version", f"must be {SCHEMA_VERSION}")
        _text(data, "disclaimer", "")
        self.check_urgency_levels()
        self.check_findings()
        self.check_screens()
        advice_ids = self.advice_ids = self.check_advice()
        self.check_causes(advice_ids)
        self.check_rules()

    def check_urgency_levels(self) -> None:
        levels = _objects(self.data, "urgency_levels", "")
        ids = tuple(level["id"] for _, level in levels)
        if ids != URGENCY_LEVELS:
            _fail("urgency_levels", f"must be exactly {list(URGENCY_LEVELS)} in that order")
        for path, level in levels:
            for key in ("label", "action", "explanation"):
                _text(level, key, path)

    def check_findings(self) -> None:
        paths = {}
        for path, finding in _objects(self.data, "findings", ""):
            self.check_finding(path, finding)
            self.findings[finding["id"]] = finding
            paths[finding["id"]] = path
        for finding_id, finding in self.findings.items():
            if finding.get("red_flag", False) != (finding_id in RED_FLAG_IDS):
                _fail(
                    f"{paths[finding_id]}.red_flag",
                    "must be true exactly for the contract's red flags",
                )
            if finding_id in RED_FLAG_IDS:
                _text(finding, "reask", paths[finding_id])
        for finding_id, expected in CONTRACT_FINDINGS.items():
            finding = self.findings.get(finding_id)
            if finding is None:
                _fail("findings", f"missing contract finding {finding_id!r}")
            path = paths[finding_id]
            if finding["type"] != expected["type"]:
                _fail(f"{path}.type", f"{finding_id!r} must be of type {expected['type']!r}")
            if expected["type"] == "integer" and (
                finding["min"] != expected["min"] or finding.get("max") != expected["max"]
            ):
                _fail(
                    path, f"{finding_id!r} must range from {expected['min']} to {expected['max']}"
                )
            if expected["type"] == "enum":
                missing = set(expected["options"]) - {o["id"] for o in finding["options"]}
                if missing:
                    _fail(f"{path}.options", f"{finding_id!r} lacks options {sorted(missing)}")

    def check_finding(self, path: str, finding: dict) -> None:
        _text(finding, "label", path)
        if finding.get("type") != "enum":
            _text(finding, "said", path)  # the reason shown on the result, in the patient's words
        if finding.get("type") == "integer" and "{value}" not in finding["said"]:
            _fail(f"{path}.said", "must contain {value}, where the answer goes")
        _text(finding, "question", path)
        _text(finding, "help", path, required=False)
        if not isinstance(finding.get("red_flag", False), bool):
            _fail(f"{path}.red_flag", "must be true or false")
        kind = finding.get("type")
        if kind not in _OPERATORS_BY_TYPE:
            _fail(f"{path}.type", "must be 'bool', 'integer' or 'enum'")
        if kind == "integer":
            low, high = finding.get("min"), finding.get("max")
            if not is_whole_number(low):
                _fail(f"{path}.min", "must be a whole number")
            if high is not None and (not is_whole_number(high) or high < low):
                _fail(f"{path}.max", "must be a whole number not below min, or null")
        if kind == "enum":
            for option_path, option in _objects(finding, "options", path):
                _text(option, "label", option_path)
                _text(option, "said", option_path)

    def check_screens(self) -> None:
        asked: dict[str, str] = {}
        for path, screen in _objects(self.data, "screens", ""):
            _text(screen, "title", path)
            _text(screen, "help", path, required=False)
            if "ask_if" in screen:
                # Only what was asked before can decide whether to ask this screen.
                self.check_condition(screen["ask_if"], f"{path}.ask_if", asked=set(asked))
            for index, finding_id in enumerate(_list(screen, "findings", path)):
                item_path = f"{path}.findings[{index}]"
                if finding_id not in self.findings:
                    _fail(item_path, f"unknown finding {finding_id!r}")
                if finding_id in asked:
                    _fail(item_path, f"{finding_id!r} is already on screen {asked[finding_id]!r}")
                asked[finding_id] = screen["id"]
        for finding_id in self.findings:
            if finding_id not in asked:
                _fail("screens", f"finding {finding_id!r} is on no screen")

    def check_advice(self) -> set[str]:
        ids = set()
        for path, item in _objects(self.data, "advice_items", ""):
            _text(item, "text", path)
            if item.get("max_urgency", URGENCY_LEVELS[-1]) not in URGENCY_LEVELS:
                _fail(f"{path}.max_urgency", "must be an urgency level id")
            self.check_cause_ids(item, "not_while", path)
            ids.add(item["id"])
        if not is_whole_number(self.data.get("max_advice")) or self.data["max_advice"] < 1:
            _fail("max_advice", "must be a whole number, 1 or more")
        limits = self.data.get("advice_from_causes")
        if (
            not isinstance(limits, dict)
            or not is_whole_number(limits.get("top"))
            or limits["top"] < 0
        ):
            _fail("advice_from_causes.top", "must be a whole number, 0 or more")
        if not _is_number(limits.get("min_score")) or not 0 <= limits["min_score"] < 1:
            _fail("advice_from_causes.min_score", "must be a number from 0 up to 1 (excluded)")
        advice = self.data.get("advice")
        if not isinstance(advice, dict) or set(advice) != set(URGENCY_LEVELS):
            _fail("advice", f"must be an object with exactly the keys {list(URGENCY_LEVELS)}")
        for level in URGENCY_LEVELS:
            self.check_advice_ids(advice, level, "advice", ids)
        return ids

    def check_cause_ids(self, node: dict, key: str, path: str) -> None:
        known = {
            cause.get("id") for cause in self.data.get("causes", []) if isinstance(cause, dict)
        }
        for index, cause_id in enumerate(_list(node, key, path, empty=True) if key in node else []):
            if cause_id not in known:
                _fail(f"{_join(path, key)}[{index}]", f"unknown cause {cause_id!r}")

    @staticmethod
    def check_advice_ids(node: dict, key: str, path: str, known: set[str]) -> None:
        for index, advice_id in enumerate(_list(node, key, path)):
            if advice_id not in known:
                _fail(f"{_join(path, key)}[{index}]", f"unknown advice {advice_id!r}")

    def check_causes(self, advice_ids: set[str]) -> None:
        causes = _objects(self.data, "causes", "")
        present = {cause["id"] for _, cause in causes}
        for cause_id in CAUSE_IDS:
            if cause_id not in present:
                _fail("causes", f"missing contract cause {cause_id!r}")
        for path, cause in causes:
            _text(cause, "name", path)
            _text(cause, "summary", path)
            if not isinstance(cause.get("serious", False), bool):
                _fail(f"{path}.serious", "must be true or false")
            at_least = cause.get("at_least")
            levels = [level["id"] for level in self.data["urgency_levels"]]
            if at_least is not None and (at_least not in levels or at_least == levels[0]):
                _fail(f"{path}.at_least", f"must be one of {levels[1:]}")
            for index, weight in enumerate(_list(cause, "weights", path)):
                self.check_entry(weight, f"{path}.weights[{index}]", "weight")
            for index, against in enumerate(_list(cause, "against", path, empty=True)):
                self.check_entry(against, f"{path}.against[{index}]", "factor")
            self.check_advice_ids(cause, "advice", path, advice_ids)

    def check_entry(self, entry, path: str, number_key: str) -> None:
        """A weight (raises a cause) or a factor (lowers it): a condition, a number, a source."""
        if not isinstance(entry, dict):
            _fail(path, "must be an object")
        value = entry.get(number_key)
        # Both stay strictly between 0 and 1: no single answer makes a cause certain, and
        # no answer can hide a cause completely.
        if not _is_number(value) or not 0 < value < 1:
            _fail(f"{path}.{number_key}", "must be a number between 0 and 1 (both excluded)")
        _text(entry, "source", path)
        self.check_condition(entry, path, extra={number_key, "source"})

    def check_rules(self) -> None:
        for path, rule in _objects(self.data, "rules", ""):
            if rule.get("urgency") not in URGENCY_LEVELS[1:]:
                _fail(f"{path}.urgency", f"must be one of {list(URGENCY_LEVELS[1:])}")
            if not isinstance(rule.get("floor", False), bool):
                _fail(f"{path}.floor", "must be true or false")
            _text(rule, "source", path)
            self.check_cause_ids(rule, "suspects", path)
            if "advice" in rule:
                self.check_advice_ids(rule, "advice", path, self.advice_ids)
            extra = {"id", "urgency", "floor", "source", "suspects", "advice"}
            self.check_condition(rule, path, extra=extra, rule=True)

    def check_condition(self, node, path, *, extra=frozenset(), rule=False, asked=None) -> None:
        if not isinstance(node, dict):
            _fail(path, "must be an object")
        keys = set(node) - set(extra)
        shape = keys & {"finding", "all", "any"}
        if len(shape) != 1:
            _fail(path, "needs exactly one of 'finding', 'all' or 'any'")
        kind = shape.pop()
        if kind in ("all", "any"):
            if keys != {kind}:
                _fail(path, f"unexpected keys {sorted(keys - {kind})}")
            for index, child in enumerate(_list(node, kind, path)):
                self.check_condition(child, f"{path}.{kind}[{index}]", rule=rule, asked=asked)
            return
        finding_id = node["finding"]
        finding = self.findings.get(finding_id) if isinstance(finding_id, str) else None
        if finding is None:
            _fail(f"{path}.finding", f"unknown finding {finding_id!r}")
        if asked is not None and finding_id not in asked:
            _fail(f"{path}.finding", f"{finding_id!r} is not asked on an earlier screen")
        if "unsure" in keys:
            if keys != {"finding", "unsure"} or node["unsure"] is not True:
                _fail(path, "an 'unsure' condition is exactly {finding, unsure: true}")
            if not finding.get("red_flag"):
                _fail(path, f"only a red flag can be 'not sure', not {finding_id!r}")
            return
        if "if_missing" in keys:
            if node["if_missing"] is not True or finding["type"] == "bool":
                _fail(f"{path}.if_missing", "must be true, on a finding that is not yes/no")
            keys = keys - {"if_missing"}
        operators = keys - {"finding"}
        if len(operators) != 1 or not operators <= set(_OPERATORS):
            _fail(path, f"needs exactly one operator of {list(_OPERATORS)}")
        operator = operators.pop()
        self.check_operand(finding, operator, node[operator], f"{path}.{operator}", rule)

    @staticmethod
    def check_operand(finding: dict, operator: str, value, path: str, rule: bool) -> None:
        kind, finding_id = finding["type"], finding["id"]
        if operator not in _OPERATORS_BY_TYPE[kind]:
            _fail(path, f"{operator!r} does not apply to the {kind} finding {finding_id!r}")
        if kind == "bool":
            if not isinstance(value, bool):
                _fail(path, "must be true or false")
            # Rules test yes answers only, so that one more yes never lowers the urgency.
            if rule and value is not True:
                _fail(path, "a rule may only test for true")
        elif kind == "enum":
            options = {option["id"] for option in finding["options"]}
            values = [value] if operator == "is" else value
            if operator != "is" and (not isinstance(value, list) or not value):
                _fail(path, "must be a non-empty list of options")
            for option in values:
                if not isinstance(option, str) or option not in options:
                    _fail(path, f"unknown option {option!r} of {finding_id!r}")
        else:
            if not is_whole_number(value):
                _fail(path, "must be a whole number")
            low, high = finding["min"], finding.get("max")
            if value < low or (high is not None and value > high):
                _fail(path, f"{value} is outside the range of {finding_id!r}")


def validate_knowledge(data) -> dict:
    """Check a parsed knowledge base and return it, or raise :class:`KnowledgeError`."""
    _Checker(data).check()
    return data
