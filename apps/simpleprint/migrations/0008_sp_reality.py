"""Issue 14: events ordered by a clamped timestamp, with a note of what a re-read recovered;
why the webhook API refused us (a reason longer than 300 characters: it says what to do); names
of SimplyPrint's ids."""

from django.db import migrations, models
from django.db.models import F


def order_by_timestamp(apps, schema_editor):
    Event = apps.get_model("simpleprint", "PrinterWebhookEvent")
    Event.objects.update(ordering_timestamp=F("timestamp"))


class Migration(migrations.Migration):

    dependencies = [
        ('simpleprint', '0007_event_timestamp_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='printerwebhookevent',
            name='ordering_timestamp',
            field=models.BigIntegerField(db_index=True, default=0, help_text='The SimplyPrint time the event is ordered by'),
        ),
        migrations.RunPython(order_by_timestamp, migrations.RunPython.noop),
        migrations.AddField(
            model_name='printerwebhookevent',
            name='processing_note',
            field=models.TextField(blank=True, help_text='What processing recovered by re-reading SimplyPrint'),
        ),
        migrations.AddField(
            model_name='printerwebhookevent',
            name='timestamp_clamped',
            field=models.BooleanField(default=False, help_text='The timestamp was too far ahead of the receipt time, so the event is ordered by its receipt time'),
        ),
        migrations.AddField(
            model_name='syncstate',
            name='last_names_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='syncstate',
            name='webhooks_checked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='syncstate',
            name='webhooks_error',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='syncstate',
            name='reason',
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name='NamedRef',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('groups', 'printer groups'), ('models', 'printer models'), ('tags', 'custom tags'), ('material_types', 'material types'), ('queue_groups', 'queue groups')], max_length=20)),
                ('sp_id', models.BigIntegerField(verbose_name='SimplyPrint id')),
                ('name', models.CharField(max_length=200)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'name',
                'ordering': ['kind', 'sp_id'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'sp_id'), name='sp_namedref_kind_id')],
            },
        ),
    ]
