"""Alembic migrations: the only way the schema changes, in every stage.

Run by the migrate function inside the VPC (`shop.handlers.migrate`) and by
the local stack; `make migration MSG=...` adds one from a source checkout.
"""

from pathlib import Path

from sqlalchemy.engine import Engine

HERE = Path(__file__).parent


def _config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply migrations up to `revision` and return the revision now current."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    return current(engine)


def current(engine: Engine) -> str | None:
    """Return the database's current revision (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """Return the newest revision in this package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(None)).get_current_head()
