"""Indexes for a large event log: the log by status newest first (and the retention's
"processed before"), and the sync tick's newest timestamp. The status-only index is covered by
the new one's leading column."""

from django.db import migrations, models


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
    ]
