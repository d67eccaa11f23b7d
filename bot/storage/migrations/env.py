"""Alembic's environment for kefu: the migrations run on the connection kefu hands in.

There is no alembic.ini: ``bot.storage.migrations.runner`` builds the configuration in code and
passes the connection, already in a transaction that holds the schema lock (``open_database``),
so Alembic neither opens a connection of its own nor commits.
"""

from __future__ import annotations

from alembic import context


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "kefu's migrations run through kefu (kefu db upgrade, or any command that opens "
            "the database), not through the alembic command"
        )
    context.configure(
        connection=connection,
        # SQLite alters little in place: a generated migration copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
