from shopdb.plugins.alembic_template import CORE_OWNER, run_migrations

run_migrations(CORE_OWNER)
