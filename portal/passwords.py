"""Argon2id password hashing, with costs taken from the app's config (cheaper in tests)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app


class PasswordHashing:
    def init_app(self, app: Flask) -> None:
        app.extensions["passwords"] = PasswordHasher(
            time_cost=app.config["ARGON2_TIME_COST"],
            memory_cost=app.config["ARGON2_MEMORY_COST"],
        )
        # Verified against when an e-mail is unknown, so that answer takes as long as a real one.
        app.extensions["passwords.dummy"] = app.extensions["passwords"].hash("not a real password")

    @property
    def _hasher(self) -> PasswordHasher:
        return current_app.extensions["passwords"]

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(
                password_hash or current_app.extensions["passwords.dummy"], password
            ) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
