"""The application's database login, kept by the migrate function.

The api and report functions log in as an application user with data rights
only (SELECT, INSERT, UPDATE, DELETE on the application schema); only the
migrate function uses the master credential (RDS manages and rotates it).
The application user's password is generated here and written to its own
secret: Terraform creates the secret but never sees a value.

Rotation alternates two users, `<base>_a` and `<base>_b` (AWS's "alternating
users" strategy): the user the secret does not name gets a new password and
its grants, then the secret switches to it. The login functions hold keeps
working until the next rotation; a function still holding it then is refused
(1045), re-reads the secret once and connects as the new user
(shop.credentials). `ensure` (every migrate run) creates whatever is missing
and sets the database to what the secret says, so the two never drift.
"""

import re
import secrets

from sqlalchemy import text
from sqlalchemy.engine import Engine

PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
_NAME = re.compile(r"^[A-Za-z0-9_]{1,28}$")  # + "_a"/"_b" within MySQL's 32 characters


class SecretStore:
    """What dbusers needs of a secret: read (None when it has no value yet) and write."""

    def read_or_none(self, secret_id: str) -> dict | None: ...

    def write(self, secret_id: str, value: dict) -> None: ...


def users(base: str) -> tuple[str, str]:
    """Return the two alternating user names of `base`."""
    if not _NAME.match(base):
        raise ValueError(f"application user base name {base!r}: use 1-28 letters, digits or _")
    return f"{base}_a", f"{base}_b"


def ensure(engine: Engine, store, secret_id: str, *, base: str, database: str) -> dict:
    """Make the database match the app secret (rotating first when it has no value).

    Returns {"user", "action"} with action "created" or "synced"; never a password.
    """
    current = store.read_or_none(secret_id)
    if current is None or current.get("username") not in users(base):
        return {
            **rotate(engine, store, secret_id, base=base, database=database),
            "action": "created",
        }
    _set_user(engine, current["username"], current["password"], database)
    return {"user": current["username"], "action": "synced"}


def rotate(engine: Engine, store, secret_id: str, *, base: str, database: str) -> dict:
    """Give the other user a new password and grants, then point the secret at it."""
    current = store.read_or_none(secret_id) or {}
    first, second = users(base)
    user = second if current.get("username") == first else first
    password = secrets.token_urlsafe(32)
    _set_user(engine, user, password, database)
    url = engine.url
    store.write(
        secret_id,
        {
            "engine": "mysql",
            "host": url.host,
            "port": url.port or 3306,
            "dbname": database,
            "username": user,
            "password": password,
        },
    )
    return {"user": user, "action": "rotated"}


def _set_user(engine: Engine, user: str, password: str, database: str) -> None:
    if not _NAME.match(database) or not re.match(r"^[A-Za-z0-9_]{1,32}$", user):
        raise ValueError("user and database names must be letters, digits or _")
    with engine.begin() as conn:
        # Names cannot be bound parameters; both were checked above. The password is bound.
        conn.execute(
            text(f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password}
        )
        conn.execute(text(f"ALTER USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
        conn.execute(text(f"GRANT {PRIVILEGES} ON `{database}`.* TO '{user}'@'%'"))
