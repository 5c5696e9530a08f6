"""Transfers are append-only below the ORM too: triggers refuse UPDATE and DELETE (linli.points.appendonly)."""

from django.db import migrations

from linli.points import appendonly


def lock(apps, schema_editor):  # type: ignore[no-untyped-def]
    appendonly.lock(schema_editor.connection)


def unlock(apps, schema_editor):  # type: ignore[no-untyped-def]
    appendonly.unlock(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(lock, unlock)]
