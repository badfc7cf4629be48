"""The diary app's models, one module per concept, all under the app label ``diary``:

- ``entries``: diary entries, their other ids (aliases) and the tombstones of deleted ones;
- ``psfs``: the Patient-Specific Functional Scale (activities, assessments, ratings);
- ``writes``: what a write from a phone did, shared by both.
"""

from diary.models.entries import (
    CONTENT_FIELDS,
    NOTES_MAX_LENGTH,
    PAIN_MAX,
    PAIN_MIN,
    DayTaken,
    DeletedEntry,
    DiaryEntry,
    EntryAlias,
    Swelling,
)
from diary.models.psfs import (
    PSFS_MAX,
    PSFS_MAX_ACTIVITIES,
    PSFS_MCID,
    PSFS_MIN,
    PSFS_NAME_MAX_LENGTH,
    PsfsActivity,
    PsfsAssessment,
    PsfsError,
    PsfsRating,
)
from diary.models.writes import Outcome, WriteResult

__all__ = [
    "CONTENT_FIELDS",
    "NOTES_MAX_LENGTH",
    "PAIN_MAX",
    "PAIN_MIN",
    "PSFS_MAX",
    "PSFS_MAX_ACTIVITIES",
    "PSFS_MCID",
    "PSFS_MIN",
    "PSFS_NAME_MAX_LENGTH",
    "DayTaken",
    "DeletedEntry",
    "DiaryEntry",
    "EntryAlias",
    "Outcome",
    "PsfsActivity",
    "PsfsAssessment",
    "PsfsError",
    "PsfsRating",
    "Swelling",
    "WriteResult",
]
