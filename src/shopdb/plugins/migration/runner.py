"""The body of every ``env.py``: one chain, online or offline, with its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from .metadata import full_metadata, include_owned, plugin_metadata
from .ownership import CORE_OWNER, owned_tables, version_table


def run_migrations(owner: str) -> None:
    """Run the chain of ``owner`` (``core`` or a plugin name) in the current Alembic context."""
    config = context.config
    metadata = plugin_metadata(owner) if owner != CORE_OWNER else full_metadata()
    owned = set(owned_tables(owner))
    options = dict(
        target_metadata=metadata,
        version_table=version_table(owner),
        include_object=include_owned(owned),
        compare_type=True,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        transaction_per_migration=True,
    )
    if context.is_offline_mode():
        url = config.get_main_option("sqlalchemy.url")
        context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # SQLite DDL is transactional once SQLAlchemy owns BEGIN (see shopdb.extensions).
        transactional = connection.dialect.name in ("sqlite", "postgresql")
        context.configure(connection=connection, transactional_ddl=transactional, **options)
        with context.begin_transaction():
            context.run_migrations(**config.attributes.get("run_args", {}))


def run_plugin_migrations(name: str) -> None:
    """What a plugin's ``env.py`` calls."""
    run_migrations(name)
