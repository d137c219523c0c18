"""The event status as a column (it was computed from three fields in four places)."""

from django.db import migrations, models
from django.db.models import Q


def fill_status(apps, schema_editor):
    Event = apps.get_model("simpleprint", "PrinterWebhookEvent")
    Event.objects.filter(processed=True, ignored=False).update(status="processed")
    Event.objects.filter(processed=True, ignored=True).update(status="ignored")
    Event.objects.filter(Q(processed=False) & ~Q(processing_error="")).update(status="failed")
    Event.objects.filter(processed=False, processing_error="").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [("simpleprint", "0003_syncstate_probe")]

    operations = [
        migrations.AddField(
            model_name="printerwebhookevent",
            name="status",
            field=models.CharField(
                choices=[("pending", "pending"), ("processed", "processed"),
                         ("ignored", "ignored"), ("failed", "failed")],
                db_index=True, default="pending", editable=False, max_length=10),
        ),
        migrations.RunPython(fill_status, migrations.RunPython.noop),
    ]
