"""Indexes for a large event log: the log by status newest first (and the retention's
"processed before"), and the sync tick's newest timestamp. The status-only index is covered by
the new one's leading column. And: materials stored before colours were checked lose a colour
that is not #RGB/#RRGGBB/#RRGGBBAA (state/payload.py ``materials``)."""

from django.db import migrations, models

from apps.simpleprint.state.payload import materials


def clean_material_colours(apps, schema_editor):
    Printer = apps.get_model("simpleprint", "Printer")
    for printer in Printer.objects.only("id", "material"):
        cleaned = materials(printer.material)
        if cleaned != printer.material:
            Printer.objects.filter(pk=printer.pk).update(material=cleaned)


class Migration(migrations.Migration):
    dependencies = [("simpleprint", "0005_permissions_and_groups")]

    operations = [
        migrations.AlterField(
            model_name="printerwebhookevent",
            name="status",
            field=models.CharField(
                choices=[("pending", "pending"), ("processed", "processed"),
                         ("ignored", "ignored"), ("failed", "failed")],
                default="pending", editable=False, max_length=10),
        ),
        migrations.AlterField(
            model_name="printerwebhookevent",
            name="timestamp",
            field=models.BigIntegerField(db_index=True,
                                         help_text="SimplyPrint's Unix time of the event"),
        ),
        migrations.AddIndex(
            model_name="printerwebhookevent",
            index=models.Index(fields=["status", "-received_at", "-id"],
                               name="sp_event_status_recv_idx"),
        ),
        migrations.RunPython(clean_material_colours, migrations.RunPython.noop),
    ]
