# Five lines on purpose: the chain's logic lives in shopdb.plugins.alembic_template.
from shopdb.plugins.toolkit import run_plugin_migrations

PLUGIN_NAME = "equipment"
run_plugin_migrations(PLUGIN_NAME)
