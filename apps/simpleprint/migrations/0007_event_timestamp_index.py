"""The sync tick reads the newest event timestamp on every tick: index it (1 M events: 177 ms
without, 0.6 ms with; bench/README.md, event_log). And materials stored before colours were
checked lose a colour that is not #RGB/#RRGGBB/#RRGGBBAA (state/payload.py ``materials``)."""

from django.db import migrations, models

from apps.simpleprint.state.payload import materials


def clean_material_colours(apps, schema_editor):
    Printer = apps.get_model("simpleprint", "Printer")
    for printer in Printer.objects.only("id", "material"):
        cleaned = materials(printer.material)
        if cleaned != printer.material:
            Printer.objects.filter(pk=printer.pk).update(material=cleaned)


class Migration(migrations.Migration):
    dependencies = [("simpleprint", "0006_permissions_and_groups")]

    operations = [
        migrations.AlterField(
            model_name="printerwebhookevent",
            name="timestamp",
            field=models.BigIntegerField(db_index=True,
                                         help_text="SimplyPrint's Unix time of the event"),
        ),
        migrations.RunPython(clean_material_colours, migrations.RunPython.noop),
    ]
