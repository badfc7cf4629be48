"""One diary entry per patient and day.

Existing days with more than one entry are merged first, losing no id: the entry edited last
on the phone is kept (last write wins, as for every write), each other entry's id becomes
another name for it (``EntryAlias``, so a phone's queued write for it still lands), and the
warning signs of all of them are kept. Then the unique constraint.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def merge_days(apps, schema_editor):
    DiaryEntry = apps.get_model("diary", "DiaryEntry")
    EntryAlias = apps.get_model("diary", "EntryAlias")
    crowded = (
        DiaryEntry.objects.values("patient_id", "date")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for day in crowded:
        entries = list(
            DiaryEntry.objects.filter(patient_id=day["patient_id"], date=day["date"]).order_by(
                "-client_updated_at", "-updated_at"
            )
        )
        kept, others = entries[0], entries[1:]
        signs = [sign for entry in entries for sign in entry.red_flags]
        kept.red_flags = list(dict.fromkeys(signs))
        kept.save(update_fields=["red_flags"])
        for other in others:
            EntryAlias.objects.create(id=other.id, entry=kept)
            other.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0002_deleted_entry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryAlias",
            fields=[
                ("id", models.UUIDField(editable=False, primary_key=True, serialize=False)),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aliases",
                        to="diary.diaryentry",
                    ),
                ),
            ],
            options={
                "verbose_name": "other id of a diary entry",
                "verbose_name_plural": "other ids of diary entries",
            },
        ),
        migrations.RunPython(merge_days, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="diaryentry",
            constraint=models.UniqueConstraint(
                fields=("patient", "date"), name="diary_one_entry_per_day"
            ),
        ),
    ]
