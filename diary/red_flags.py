"""The warning signs a patient can tick in a diary entry, and what to do about them.

Both come from the symptom checker's knowledge base (``triage/knowledge/back_of_knee.json``,
described in ``docs/triage.md``), so the diary and the checker never disagree:

- The signs the diary asks are the safety floor's single-finding triggers: every yes/no
  finding that, answered yes on its own, makes a rule marked ``"floor": true`` fire (chest
  pain, a cold or numb foot, cannot take 4 steps, ...), in the knowledge base's order and
  with its labels. They are worked out once per knowledge base, not per request.
- The urgency and advice for an entry are the engine's: ``assess()`` on the ticked signs,
  each answered yes. Nothing shows when the engine says ``self_care``.

An entry may hold any contract finding id (``ALLOWED_IDS``): a sign asked by an older
version of the diary (``fever``) or sent by a future client. Those still show with their
labels, and every yes/no one goes to the engine too, which decides what it means now.
"""

from dataclasses import dataclass

from triage.engine import assess, condition_holds
from triage.knowledge import FINDING_IDS, load_knowledge

SELF_CARE = "self_care"
EMERGENCY = "emergency"

# Any contract finding may be stored (an older diary asked others, a future client may send
# more); the ones the diary asks today are ``red_flags()``.
ALLOWED_IDS = frozenset(FINDING_IDS)


@dataclass(frozen=True)
class RedFlag:
    id: str
    label: str
    urgency: str  # the engine's urgency for this sign alone


@dataclass(frozen=True)
class Advice:
    """What an entry's ticked signs need: the engine's urgency, its level and its advice."""

    urgency: str
    label: str
    action: str
    explanation: str
    advice: tuple[str, ...]
    knowledge_version: str

    @property
    def emergency(self) -> bool:
        return self.urgency == EMERGENCY


def floor_triggers(knowledge: dict) -> list[str]:
    """The yes/no findings that make a floor rule fire on their own, in knowledge-base order."""
    floor = [rule for rule in knowledge["rules"] if rule.get("floor")]
    return [
        finding["id"]
        for finding in knowledge["findings"]
        if finding["type"] == "bool"
        and any(condition_holds(rule, {finding["id"]: True}) for rule in floor)
    ]


class _Signs:
    """The diary's view of one knowledge base, made once (see ``_for``)."""

    def __init__(self, knowledge: dict):
        self.knowledge = knowledge
        self.version = knowledge["version"]
        self.findings = {finding["id"]: finding for finding in knowledge["findings"]}
        self.levels = {level["id"]: level for level in knowledge["urgency_levels"]}
        self._advice: dict[frozenset, Advice | None] = {}
        self.flags = tuple(
            RedFlag(
                finding_id, self.label(finding_id), self.advice(frozenset([finding_id])).urgency
            )
            for finding_id in floor_triggers(knowledge)
        )

    def label(self, finding_id: str) -> str:
        finding = self.findings.get(finding_id)
        return finding["label"] if finding else finding_id

    def advice(self, ticked: frozenset) -> Advice | None:
        if ticked not in self._advice:
            if len(self._advice) >= 1024:  # every set of signs is possible: keep it bounded
                self._advice.clear()
            result = assess(self.knowledge, dict.fromkeys(sorted(ticked), True))
            level = self.levels[result["urgency"]]
            self._advice[ticked] = (
                None
                if result["urgency"] == SELF_CARE
                else Advice(
                    urgency=result["urgency"],
                    label=level["label"],
                    action=level["action"],
                    explanation=level["explanation"],
                    advice=tuple(result["advice"]),
                    knowledge_version=result["knowledge_version"],
                )
            )
        return self._advice[ticked]

    def yes_no(self, flag_ids) -> frozenset:
        """The ids the engine can take as "yes": yes/no findings of this knowledge base."""
        return frozenset(
            flag_id
            for flag_id in flag_ids
            if flag_id in self.findings and self.findings[flag_id]["type"] == "bool"
        )


_current: _Signs | None = None


def _for(knowledge: dict | None) -> _Signs:
    """The diary's signs for ``knowledge`` (the bundled knowledge base by default), cached.

    Kept until the knowledge base changes: another version, or another dict (a reloaded
    file, a test's own knowledge).
    """
    global _current
    knowledge = load_knowledge() if knowledge is None else knowledge
    signs = _current
    if signs is None or signs.knowledge is not knowledge or signs.version != knowledge["version"]:
        signs = _current = _Signs(knowledge)
    return signs


def red_flags(knowledge: dict | None = None) -> tuple[RedFlag, ...]:
    """The warning signs the diary asks, in the order the form shows them."""
    return _for(knowledge).flags


def choices(extra=(), knowledge: dict | None = None) -> list[tuple[str, str]]:
    """The form's choices: the diary's signs, then any others of ``extra`` (an entry's own)."""
    signs = _for(knowledge)
    asked = [(flag.id, flag.label) for flag in signs.flags]
    known = {flag_id for flag_id, _label in asked}
    kept = [flag_id for flag_id in dict.fromkeys(extra) if flag_id in ALLOWED_IDS]
    return asked + [(flag_id, signs.label(flag_id)) for flag_id in kept if flag_id not in known]


def labels(flag_ids, knowledge: dict | None = None) -> list[str]:
    """The labels of stored signs, in the order stored (an unknown id shows as itself)."""
    if not flag_ids:
        return []
    signs = _for(knowledge)
    return [signs.label(flag_id) for flag_id in flag_ids]


def advice_for(flag_ids, knowledge: dict | None = None) -> Advice | None:
    """The engine's urgency and advice for these ticked signs, or None when they need none."""
    if not flag_ids:
        return None
    signs = _for(knowledge)
    ticked = signs.yes_no(flag_ids)
    return signs.advice(ticked) if ticked else None


def preview(knowledge: dict | None = None) -> dict:
    """What the form's script shows when it cannot run the engine itself (see diary.js).

    Each sign's own urgency and advice, and the levels' words: with several signs ticked it
    shows the highest of them, a floor under the engine's answer (one more yes never lowers
    the urgency); the saved entry's page then shows the engine's answer for them together.
    """
    signs = _for(knowledge)
    return {
        "levels": {
            level_id: {key: level[key] for key in ("label", "action", "explanation")}
            for level_id, level in signs.levels.items()
        },
        "order": list(signs.levels),
        "signs": {
            flag.id: {
                "urgency": flag.urgency,
                "advice": list(signs.advice(frozenset([flag.id])).advice),
            }
            for flag in signs.flags
        },
    }
