"""Fixtures for the tests that build their own database from the migrations."""

from __future__ import annotations

import os

import pytest

from tests.databases import throwaway_database


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new empty database of the kind the suite runs on."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with throwaway_database(url, "portal_migrations") as fresh:
        yield fresh
