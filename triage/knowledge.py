"""Load the symptom checker's knowledge base, and check a set of answers against it.

The knowledge base (``triage/knowledge/back_of_knee.json``) is data that clinicians can
review: findings and their questions, the screens of the questionnaire, causes with their
weights, the urgency rules and the advice. :func:`load_knowledge` reads it once per change
of the file and checks it (``triage.schema``); :func:`validate_answers` and
:func:`validate_unsure` check what a patient or a client sent. The contract's ids
(``triage.contract``) are re-exported here for the other apps.
"""

import json
from pathlib import Path

from triage.contract import (
    CAUSE_IDS,
    CONTRACT_FINDINGS,
    FINDING_IDS,
    RED_FLAG_IDS,
    SCHEMA_VERSION,
    URGENCY_LEVELS,
)
from triage.schema import KnowledgeError, is_whole_number, validate_knowledge

__all__ = [
    "CAUSE_IDS", "CONTRACT_FINDINGS", "FINDING_IDS", "RED_FLAG_IDS", "SCHEMA_VERSION",
    "URGENCY_LEVELS", "AnswersError", "KnowledgeError", "load_knowledge", "validate_answers",
    "validate_knowledge", "validate_unsure",
]  # fmt: skip

DEFAULT_PATH = Path(__file__).resolve().parent / "knowledge" / "back_of_knee.json"
# The same file as a static file (settings.STATICFILES_DIRS): what the offline engines load,
# under a hashed name in production, so that a page's engine and knowledge base go together.
STATIC_NAME = "triage/knowledge/back_of_knee.json"


class AnswersError(ValueError):
    """Some answers are not valid; ``errors`` maps each bad finding id to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))


_cache: dict[Path, tuple[tuple[int, int], dict]] = {}


def load_knowledge(path: str | Path | None = None) -> dict:
    """Read and check a knowledge file (the bundled one by default).

    The result is cached per file until the file changes; treat it as read-only.
    """
    path = Path(path).resolve() if path is not None else DEFAULT_PATH
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KnowledgeError(f"$: {path.name} is not valid JSON: {error}") from error
    validate_knowledge(data)
    _cache[path] = (stamp, data)
    return data


def validate_answers(knowledge: dict, answers) -> dict:
    """Return the answers cleaned up, or raise :class:`AnswersError` naming every bad finding.

    A finding given as ``None`` counts as not answered and is left out; whole numbers sent
    as ``3.0`` become ``3``. The result follows the knowledge base's order of findings.
    """
    if not isinstance(answers, dict):
        raise AnswersError({"answers": "must be an object of finding ids and answers"})
    findings = {finding["id"]: finding for finding in knowledge["findings"]}
    errors: dict[str, str] = {}
    cleaned = {}
    for key, value in answers.items():
        finding = findings.get(key) if isinstance(key, str) else None
        if finding is None:
            errors[str(key)] = "unknown finding"
        elif value is not None:
            message, value = _check_answer(finding, value)
            if message:
                errors[key] = message
            else:
                cleaned[key] = value
    if errors:
        raise AnswersError(errors)
    return {finding_id: cleaned[finding_id] for finding_id in findings if finding_id in cleaned}


def validate_unsure(knowledge: dict, unsure, answers: dict) -> list[str]:
    """The red-flag findings answered "not sure", in knowledge-base order, or AnswersError."""
    if unsure is None:
        return []
    if not isinstance(unsure, (list, tuple, set, frozenset)):
        raise AnswersError({"unsure": "must be a list of red-flag finding ids"})
    red_flags = [f["id"] for f in knowledge["findings"] if f.get("red_flag")]
    for finding_id in unsure:
        if finding_id not in red_flags:
            raise AnswersError({"unsure": f"{finding_id!r} is not a red-flag finding id"})
        if finding_id in answers:
            raise AnswersError({"unsure": f"{finding_id!r} is also answered"})
    return [finding_id for finding_id in red_flags if finding_id in unsure]


def _check_answer(finding: dict, value) -> tuple[str | None, object]:
    kind = finding["type"]
    if kind == "bool":
        return (None, value) if isinstance(value, bool) else ("must be true or false", value)
    if kind == "enum":
        options = [option["id"] for option in finding["options"]]
        if isinstance(value, str) and value in options:
            return None, value
        return f"must be one of {options}", value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    low, high = finding["min"], finding.get("max")
    if not is_whole_number(value):
        return "must be a whole number", value
    if value < low or (high is not None and value > high):
        top = "" if high is None else f" and at most {high}"
        return f"must be at least {low}{top}", value
    return None, value
