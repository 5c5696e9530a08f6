"""API tokens get a lifetime and can be revoked; failed logins and revocations are audited.

Tokens made before had no end: they are given 30 days from this migration, so that scripts using them
keep working while their owners make new ones (`linli token USERNAME --days N`)."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def give_old_tokens_an_end(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + dt.timedelta(days=30))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_user_id_number_checked"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
        ),
        migrations.RunPython(give_old_tokens_an_end, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
    ]
