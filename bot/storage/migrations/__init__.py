"""kefu's schema migrations (Alembic): ``env.py`` and one file per revision in ``versions/``.

``open_database`` compares the database's revision with ``HEAD`` in one query and, only when
they differ, imports Alembic (``bot.storage.migrations.runner``) to bring the database up to
date. A schema change is therefore: change the models, add a revision to ``versions/`` whose
``down_revision`` is the current ``HEAD`` (explicit ``op.*`` calls with the constraint names of
``bot.storage.models.NAMING`` written out; never import the live models in a migration), and set
``HEAD`` to its id. ``tests/storage/test_migrations.py`` checks that ``HEAD`` is Alembic's head
and that the migrated schema equals the models on SQLite and PostgreSQL (printing what differs).

On SQLite a change that ALTER TABLE cannot make goes through ``op.batch_alter_table``, which copies
the table: its triggers are lost (``audit_log`` has three: create them again) and, as the
migrations run with foreign keys on, a table other tables refer to must not be copied that way.
"""

# The first revision: the schema of the last release before Alembic (commit 1214ed1). A database
# with kefu's tables and no version table was made by that release and is stamped with it.
BASELINE = "0001_baseline"
# The newest revision; a test checks that it is the head Alembic computes from ``versions/``.
HEAD = "0004_speed"
