"""What the Planning page needs to tell states apart (the job's end reason, AI detection, panel
link; the printer's last job, offline episode and out-of-order reason), the notifications
table, and the removal of what sample deliveries used to leave in the farm."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

SAMPLE_PRINTER_ID = 900001
SAMPLE_QUEUE_GROUP_ID = 900001
SAMPLE_ID_BASE = 9_000_000_000


def fill(apps, schema_editor):
    Printer = apps.get_model("simpleprint", "Printer")
    PrintJob = apps.get_model("simpleprint", "PrintJob")
    PrintQueue = apps.get_model("simpleprint", "PrintQueue")
    # Sample deliveries used to be applied for real: a "Sample printer" and its jobs and queue
    # items stayed in the farm. They are rolled back now; remove what the old ones left.
    PrintJob.objects.filter(sp_id__gte=SAMPLE_ID_BASE).delete()
    PrintQueue.objects.filter(models.Q(sp_id__gte=SAMPLE_ID_BASE)
                              | models.Q(group_id=SAMPLE_QUEUE_GROUP_ID)).delete()
    Printer.objects.filter(sp_id=SAMPLE_PRINTER_ID).delete()
    Printer.objects.filter(state="offline").update(
        offline_since=django.utils.timezone.now())
    for job in PrintJob.objects.exclude(raw={}).only("id", "raw"):
        url = job.raw.get("panel_url") if isinstance(job.raw, dict) else None
        if isinstance(url, str) and url:
            PrintJob.objects.filter(pk=job.pk).update(panel_url=url[:500])


class Migration(migrations.Migration):

    dependencies = [
        ('simpleprint', '0004_printerwebhookevent_status'),
    ]

    operations = [
        migrations.AddField(
            model_name='printer',
            name='last_job',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='simpleprint.printjob'),
        ),
        migrations.AddField(
            model_name='printer',
            name='offline_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='printer',
            name='out_of_order_by',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='printer',
            name='out_of_order_reason',
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name='printjob',
            name='ai_confidence',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='printjob',
            name='ai_detected_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='printjob',
            name='ai_image_url',
            field=models.CharField(blank=True, max_length=1000),
        ),
        migrations.AddField(
            model_name='printjob',
            name='ai_type',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='printjob',
            name='details_fetched_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='printjob',
            name='end_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='printjob',
            name='panel_url',
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('kind', models.CharField(choices=[('failed', 'print failed'), ('ai_flagged', 'AI failure detected'), ('offline', 'printer offline'), ('approval', 'awaiting approval')], max_length=20)),
                ('ref', models.BigIntegerField(help_text='SimplyPrint id of the job, printer or queue item')),
                ('status', models.CharField(choices=[('pending', 'pending'), ('sent', 'sent'), ('failed', 'failed')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('delivered', models.JSONField(blank=True, default=list)),
                ('last_error', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='sp_notify_due_idx')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
