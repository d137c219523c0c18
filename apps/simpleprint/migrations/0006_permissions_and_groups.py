"""The permissions of the actions (reprocess, inject, test, manage webhooks, ping) and the groups
Viewer, Operator and Administrator that bundle them (apps/simpleprint/permissions.py)."""

from django.db import migrations

from apps.simpleprint.permissions import ensure_groups


class Migration(migrations.Migration):
    dependencies = [
        ("simpleprint", "0005_page_truth"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="printerwebhookevent",
            options={
                "ordering": ["-received_at", "-id"],
                "permissions": [
                    ("reprocess_events", "Can apply stored webhook events again"),
                    ("inject_samples", "Can inject sample webhook deliveries"),
                    ("test_webhooks", "Can ask SimplyPrint for a test webhook delivery"),
                    ("manage_webhooks",
                     "Can see and switch every webhook registered at SimplyPrint"),
                    ("ping_pages", "Can ping the open Planning pages"),
                ],
                "verbose_name": "printer webhook event",
                "verbose_name_plural": "Printer Webhook Events",
            },
        ),
        migrations.RunPython(ensure_groups, migrations.RunPython.noop),
    ]
