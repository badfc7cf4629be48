"""``Delivery.episode`` is called ``doctor_alert`` in Python, as the model it points to.

State only: the column stays ``episode_id`` and both constraints keep their names and
their SQL, so the database is not touched.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_delivery_enqueued_at"),
    ]

    state_operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_alert"),
        migrations.RemoveConstraint(model_name="delivery", name="delivery_stretch_or_alert"),
        migrations.AlterField(
            model_name="delivery",
            name="episode",
            field=models.ForeignKey(
                blank=True,
                db_column="episode_id",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="reminders.doctoralert",
            ),
        ),
        migrations.RenameField(model_name="delivery", old_name="episode", new_name="doctor_alert"),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("doctor_alert", "channel"), name="delivery_once_per_alert"
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.CheckConstraint(
                condition=models.Q(kind="stretch", doctor_alert__isnull=True)
                | (
                    ~models.Q(kind="stretch")
                    & models.Q(schedule__isnull=True, doctor_alert__isnull=False)
                ),
                name="delivery_stretch_or_alert",
            ),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
