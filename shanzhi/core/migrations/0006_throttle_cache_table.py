"""The table of the "throttle" cache (Django's DatabaseCache), so that a fresh install and the
test database have it without a separate `createcachetable` step (docs/adr/0010-throttles.md)."""

from django.db import migrations

TABLE = "shanzhi_cache"  # shanzhi.core.throttle.CACHE_TABLE


def create_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_audit_keyed_from")]

    operations = [migrations.RunPython(create_table, drop_table, elidable=False)]
