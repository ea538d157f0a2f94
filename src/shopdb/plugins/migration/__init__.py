"""What every Alembic chain (the core's and each plugin's) shares, one concern per module.

``ownership`` (which tables belong to whom), ``metadata`` (a chain's view of the models), ``ddl``
(baseline revisions from the models), ``sqlite`` (ids never reused) and ``runner`` (the body of
every ``env.py``). ``shopdb.plugins.alembic_template`` re-exports them under the seed's names.
"""
