"""The starter exercise library, in our own words; physiotherapists extend it in the admin."""

from reminders.models import BodyArea, Exercise, Illustration

EXERCISES = [
    {
        "slug": "calf-wall-stretch",
        "name": "Calf stretch against a wall",
        "body_area": BodyArea.CALF,
        "illustration": Illustration.CALF,
        "hold_seconds": 30,
        "reps": 3,
        "sets": 1,
        "instructions": (
            "Stand facing a wall with both hands on it. Step the sore leg back, heel flat on "
            "the floor and knee straight. Lean gently towards the wall until you feel a "
            "stretch in the back of the lower leg. Breathe calmly; it should pull, not hurt."
        ),
    },
    {
        "slug": "seated-hamstring-stretch",
        "name": "Seated hamstring stretch",
        "body_area": BodyArea.HAMSTRING,
        "illustration": Illustration.HAMSTRING,
        "hold_seconds": 30,
        "reps": 3,
        "sets": 1,
        "instructions": (
            "Sit on the edge of a firm chair. Put the sore leg out in front, heel on the floor, "
            "toes up, knee nearly straight. Keep your back tall and lean forward from the hips "
            "until you feel a stretch behind the thigh and knee. Do not bounce."
        ),
    },
    {
        "slug": "standing-quad-stretch",
        "name": "Standing quadriceps stretch",
        "body_area": BodyArea.QUAD,
        "illustration": Illustration.QUAD,
        "hold_seconds": 30,
        "reps": 3,
        "sets": 1,
        "instructions": (
            "Hold a chair or wall for balance. Bend the sore knee and bring the heel towards "
            "your bottom, holding the ankle (or a towel round it). Keep the knees side by side "
            "and stand tall until you feel a stretch down the front of the thigh."
        ),
    },
    {
        "slug": "heel-slides",
        "name": "Heel slides",
        "body_area": BodyArea.KNEE,
        "illustration": Illustration.KNEE,
        "hold_seconds": 5,
        "reps": 10,
        "sets": 2,
        "instructions": (
            "Lie on your back with legs straight. Slowly slide the heel of the sore leg towards "
            "you, bending the knee as far as is comfortable, hold, then slide it back out."
        ),
    },
]


def ensure_library() -> dict[str, Exercise]:
    """Create the starter exercises that are missing; leave edited ones alone."""
    exercises = {}
    for data in EXERCISES:
        fields = {key: value for key, value in data.items() if key != "slug"}
        exercises[data["slug"]], _ = Exercise.objects.get_or_create(
            slug=data["slug"], defaults=fields
        )
    return exercises
