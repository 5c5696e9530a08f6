"""Request types get `public_listing` (issue 12): only kinds about a public place are listed in the public
Open311 feed. Existing types stay private except the demo district's public-place kinds."""

from django.db import migrations, models

# The demo district's kinds about a public place (linli.demo.history.REQUEST_TYPES); everything else
# (低保, disability, relief, birth, certificates ...) stays private.
PUBLIC_PLACE_KINDS = ("street-light", "drain-clearing", "frontage-complaint")


def list_public_place_kinds(apps, schema_editor):
    RequestType = apps.get_model("cases", "RequestType")
    RequestType.objects.filter(code__in=PUBLIC_PLACE_KINDS).update(public_listing=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_area_owned"),
    ]

    operations = [
        migrations.AddField(
            model_name="requesttype",
            name="public_listing",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Requests of this kind appear in the public Open311 list (place to about 1 km, date only). Only "
                    "for matters of a public place, never for assistance, disability, health, family or other "
                    "personal matters."
                ),
                verbose_name="listed publicly (Open311)",
            ),
        ),
        migrations.RunPython(list_public_place_kinds, migrations.RunPython.noop),
    ]
