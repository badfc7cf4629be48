"""The ids and levels of the symptom checker's public contract (``docs/triage.md``).

Other apps and clients depend on these names: they are never renamed. The knowledge file
must define every one of them (``triage.schema`` checks it).
"""

URGENCY_LEVELS = ("self_care", "see_doctor", "urgent", "emergency")

# The contract's ids, laid out like its tables. The knowledge base may add findings and
# causes, never drop or rename these, and must keep each finding's type, range and options.
# fmt: off
CAUSE_IDS = (
    "leg_cramp", "bakers_cyst", "osteoarthritis", "runners_knee", "hamstring_injury",
    "meniscus_tear", "acl_injury", "pcl_injury", "dvt",
    # version 2: serious conditions a doctor must rule out
    "pulmonary_embolism", "septic_arthritis", "fracture", "knee_dislocation",
    "artery_blockage", "compartment_syndrome", "inflammatory_arthritis", "bone_tumour",
    "hip_problem",
)

FINDING_IDS = (
    "age", "pregnant", "overweight", "smoker", "inactive", "recent_immobility",
    "previous_clot", "cancer_treatment", "autoimmune_condition", "dehydrated",
    "sport", "duration_days", "onset", "injury", "heard_pop", "getting_worse",
    "pain_severity", "pain_type", "pain_in_calf", "pain_in_back_of_thigh", "worse_standing",
    "swelling_knee", "lump_behind_knee", "tingling_or_pressure", "calf_swelling",
    "red_or_warm_skin", "visible_veins", "stiffness", "reduced_movement", "grinding",
    "giving_way", "locking", "leg_weakness", "cannot_bear_weight",
    "chest_pain", "breathless", "coughing_blood", "fever", "foot_cold_or_numb",
    # version 2
    "postpartum", "hormone_treatment", "immunosuppressed", "knee_implant_or_procedure",
    "feels_unwell", "calf_tense", "cannot_straighten", "cannot_bend_90", "knee_misshapen",
    "night_pain", "weight_loss", "hip_pain",
)

# Contract rule 9: the questions that never start on a pre-selected answer, and whose
# "not sure" travels beside the answers as ``unsure``.
RED_FLAG_IDS = (
    "chest_pain", "breathless", "coughing_blood", "foot_cold_or_numb", "calf_tense",
    "knee_misshapen", "cannot_bear_weight", "cannot_straighten", "cannot_bend_90",
)

_NOT_YES_OR_NO = {
    "age": {"type": "integer", "min": 0, "max": 120},
    "sport": {"type": "enum", "options": ("none", "running", "sprint_sports", "other")},
    "duration_days": {"type": "integer", "min": 0, "max": None},
    "onset": {"type": "enum", "options": ("sudden", "gradual")},
    "injury": {"type": "enum", "options": (
        "none", "twisting", "sudden_stop_or_turn", "fall_onto_knee", "direct_blow_or_crash",
        "overstretch",
    )},
    "pain_severity": {"type": "integer", "min": 0, "max": 10},
    "pain_type": {"type": "enum", "options": ("spasm", "dull_ache", "sharp", "other")},
}
# fmt: on

CONTRACT_FINDINGS = {
    finding_id: _NOT_YES_OR_NO.get(finding_id, {"type": "bool"}) for finding_id in FINDING_IDS
}
SCHEMA_VERSION = 2
