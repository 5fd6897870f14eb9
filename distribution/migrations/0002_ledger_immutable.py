"""The database refuses to change a ledger entry (and, on PostgreSQL, to delete one): the ledger
only grows, whatever code runs. SQLite keeps deletes possible because Django's test flush empties
tables with DELETE; PostgreSQL's flush is TRUNCATE, which row triggers do not see."""

from django.db import migrations

POSTGRES_UP = """
CREATE FUNCTION distribution_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'distribution_ledgerentry rows are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER distribution_ledger_no_update BEFORE UPDATE OR DELETE ON distribution_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION distribution_ledger_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS distribution_ledger_no_update ON distribution_ledgerentry;
DROP FUNCTION IF EXISTS distribution_ledger_immutable();
"""
SQLITE_UP = """
CREATE TRIGGER distribution_ledger_no_update BEFORE UPDATE ON distribution_ledgerentry
BEGIN SELECT RAISE(ABORT, 'distribution_ledgerentry rows are immutable'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS distribution_ledger_no_update;"


def up(apps, schema_editor):
    sql = {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql.strip(), params=None)


def down(apps, schema_editor):
    sql = {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql.strip(), params=None)


class Migration(migrations.Migration):
    dependencies = [("distribution", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
