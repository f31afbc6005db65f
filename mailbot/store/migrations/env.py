"""Alembic environment: the engine is handed in by mailbot.store.db (no alembic.ini URL)."""

from alembic import context

from mailbot.store.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
