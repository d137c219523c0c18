"""The audit trail of operator actions (OperatorAction), its two permission families
(operate_printers, manage_queue) and the groups that have them (apps/simpleprint/permissions.py),
plus read access to the trail for every group."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.simpleprint.permissions import ensure_groups


class Migration(migrations.Migration):

    dependencies = [
        ('simpleprint', '0008_sp_reality'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='OperatorAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('clear_bed', 'clear bed'), ('pause', 'pause'), ('resume', 'resume'), ('cancel', 'cancel'), ('start', 'start print'), ('approve', 'approve'), ('deny', 'deny'), ('move', 'move'), ('revive', 'revive'), ('remove', 'remove')], max_length=20)),
                ('status', models.CharField(choices=[('sending', 'sending'), ('pending', 'pending'), ('confirmed', 'confirmed'), ('mismatch', 'mismatch'), ('unconfirmed', 'unconfirmed'), ('failed', 'failed'), ('refused', 'refused')], default='sending', max_length=12)),
                ('username', models.CharField(max_length=150)),
                ('target', models.CharField(max_length=40)),
                ('printer_sp_id', models.BigIntegerField(blank=True, null=True)),
                ('queue_item_sp_id', models.BigIntegerField(blank=True, null=True)),
                ('job_sp_id', models.BigIntegerField(blank=True, null=True)),
                ('params', models.JSONField(blank=True, default=dict, help_text="The action's parameters, as the operator gave them")),
                ('expected', models.JSONField(blank=True, default=dict, help_text='What the page showed when the operator acted')),
                ('plan', models.JSONField(blank=True, default=dict, help_text='What the service worked out for the call: the queue item to start, where an item was, the job the printer showed')),
                ('idempotency_key', models.CharField(max_length=100)),
                ('batch', models.UUIDField(db_index=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('request', models.JSONField(blank=True, default=dict, help_text='The call made to SimplyPrint: method, endpoint, query and body')),
                ('http_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('answer', models.JSONField(blank=True, default=dict, help_text="SimplyPrint's answer")),
                ('error', models.TextField(blank=True)),
                ('refusal', models.CharField(blank=True, max_length=20)),
                ('confirmed_by_event_id', models.BigIntegerField(blank=True, null=True)),
                ('confirmed_by_event', models.CharField(blank=True, max_length=100)),
                ('confirmed_via', models.CharField(blank=True, max_length=10)),
                ('result', models.TextField(blank=True, help_text='What SimplyPrint did, in words')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'operator action',
                'verbose_name_plural': 'Operator actions',
                'ordering': ['-created_at', '-id'],
                'permissions': [('operate_printers', 'Can clear beds, pause, resume, cancel and start prints through SimplyPrint'), ('manage_queue', 'Can approve, deny, move, revive and remove SimplyPrint queue items')],
                'indexes': [models.Index(fields=['printer_sp_id', 'status'], name='sp_action_printer_idx'), models.Index(fields=['queue_item_sp_id', 'status'], name='sp_action_item_idx'), models.Index(fields=['status', 'created_at'], name='sp_action_status_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'idempotency_key', 'target'), name='sp_action_once_per_key')],
            },
        ),
        migrations.RunPython(ensure_groups, migrations.RunPython.noop),
    ]
