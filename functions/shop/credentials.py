"""Database credentials that follow a rotated secret.

A warm container keeps its credentials for its whole life; when the password
changes under it, MySQL answers 1045 (access denied). `Database.connect`
then calls `DatabaseCredentials.refresh()`, which re-reads the secret once,
bypassing any cache, and connects again.

Reads go through a `SecretSource`, injected where the runtime is wired: in
the functions the Parameters and Secrets Lambda extension
(`Runtime.read_secret`, whose `fresh=True` goes past the extension's
cache), the Secrets Manager API in the migrate function and the tests.
Passwords are registered with shop.logs so no log line shows them, and never
appear in exceptions: errors name the secret, not its value.
"""

import json
import logging
import threading
from typing import Protocol

from shop import logs
from shop.errors import ConfigError

log = logging.getLogger("shop.credentials")


class SecretSource(Protocol):
    def read(self, secret_id: str, *, fresh: bool = False) -> dict:
        """Return the secret's JSON document; `fresh` must bypass every cache."""


class SecretsManagerSource:
    """Reads (and, for the migrate function, writes) secrets with the Secrets Manager API."""

    def __init__(self, client):
        self._client = client

    def read(self, secret_id: str, *, fresh: bool = False) -> dict:
        # Every call reaches the API: there is no cache to bypass.
        return json.loads(self._client.get_secret_value(SecretId=secret_id)["SecretString"])

    def read_or_none(self, secret_id: str) -> dict | None:
        """Return the secret's document, or None while it has no value (as Terraform creates it)."""
        try:
            return self.read(secret_id, fresh=True)
        except self._client.exceptions.ResourceNotFoundException:
            return None

    def write(self, secret_id: str, value: dict) -> None:
        logs.redact(value.get("password"))
        self._client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))


class StringSecretSource:
    """A SecretSource over a reader of SecretStrings (shop.runtime.Runtime.read_secret)."""

    def __init__(self, read):
        self._read = read

    def read(self, secret_id: str, *, fresh: bool = False) -> dict:
        return json.loads(self._read(secret_id, fresh=fresh))


class DatabaseCredentials:
    """The username and password connections use, re-read from their secret on demand."""

    def __init__(self, source: SecretSource, secret_id: str):
        self._source, self.secret_id = source, secret_id
        self._lock = threading.Lock()
        self.username, self._password = self._read(fresh=False)
        self.refreshes = 0

    def _read(self, *, fresh: bool) -> tuple[str, str]:
        try:
            secret = self._source.read(self.secret_id, fresh=fresh)
            username, password = str(secret["username"]), str(secret["password"])
        except Exception as exc:
            # Never include the secret's value: only say which secret and why.
            raise ConfigError(
                f"cannot read the database secret {self.secret_id}: {type(exc).__name__}"
            ) from None
        logs.redact(password)
        return username, password

    def connect_params(self) -> dict:
        """Return the user and password for the next connection."""
        with self._lock:
            return {"user": self.username, "password": self._password}

    def refresh(self) -> bool:
        """Re-read the secret past any cache; return True when it changed."""
        username, password = self._read(fresh=True)
        with self._lock:
            changed = (username, password) != (self.username, self._password)
            self.username, self._password = username, password
            self.refreshes += 1
        log.warning(
            "database refused the credentials; re-read the secret",
            extra={"secret": self.secret_id, "changed": changed},
        )
        return changed
