from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_audit_actions"),
    ]

    operations = [
        migrations.CreateModel(
            name="KeyFingerprint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("fingerprint", models.CharField(max_length=64, verbose_name="fingerprint")),
                ("recorded_at", models.DateTimeField(auto_now=True, verbose_name="recorded at")),
            ],
            options={
                "verbose_name": "secret key fingerprint",
                "verbose_name_plural": "secret key fingerprint",
            },
        ),
    ]
