"""Settings from the environment: safe defaults, and production refuses to guess."""

import stat

import pytest

from portal.config import ConfigurationError, load_config

PRODUCTION = {
    "PORTAL_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://portal@db/portal",
    "PORTAL_BASE_URL": "https://help.example.com/",
    "MAIL_SERVER": "smtp.example.com",
    "MAIL_DEFAULT_SENDER": "Help <help@example.com>",
    "SECRET_KEY": "s" * 40,
}


def test_development_defaults_are_embedded(tmp_path):
    config = load_config({"PORTAL_ENV": "development"}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["PORTAL_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert config["MAIL_BACKEND"] == "console"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path):
    first = load_config({"PORTAL_ENV": "development"}, tmp_path)["SECRET_KEY"]
    second = load_config({"PORTAL_ENV": "development"}, tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_with_every_setting_starts_with_secure_cookies(tmp_path):
    config = load_config(PRODUCTION, tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["MAIL_BACKEND"] == "smtp"
    assert config["PORTAL_BASE_URL"] == "https://help.example.com"


@pytest.mark.parametrize("missing", ["DATABASE_URL", "PORTAL_BASE_URL", "MAIL_SERVER",
                                     "MAIL_DEFAULT_SENDER"])
def test_production_refuses_to_start_without_a_required_setting(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        load_config(env, tmp_path)


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config({**PRODUCTION, "SECRET_KEY": "short"}, tmp_path)


@pytest.mark.parametrize(("name", "value"), [
    ("PORTAL_ENV", "staging"), ("PORTAL_TIMEZONE", "Mars/Olympus"), ("MAIL_PORT", "abc"),
    ("PORTAL_DEFAULT_LOCALE", "fr"),
])
def test_wrong_values_are_explained(tmp_path, name, value):
    with pytest.raises(ConfigurationError, match=name):
        load_config({"PORTAL_ENV": "development", name: value}, tmp_path)


def test_the_search_log_settings(tmp_path):
    config = load_config({"PORTAL_ENV": "development", "SEARCH_HOST_ID": "web-1",
                          "SEARCH_FOLLOW_SECONDS": "0.5"}, tmp_path)
    assert config["SEARCH_HOST_ID"] == "web-1" and config["SEARCH_FOLLOW_SECONDS"] == 0.5
    defaults = load_config({"PORTAL_ENV": "development"}, tmp_path)
    assert defaults["SEARCH_HOST_ID"] is None and defaults["SEARCH_FOLLOW_SECONDS"] == 2
    for wrong in ("0", "-1", "soon", "nan"):
        with pytest.raises(ConfigurationError, match="SEARCH_FOLLOW_SECONDS"):
            load_config({"PORTAL_ENV": "development", "SEARCH_FOLLOW_SECONDS": wrong}, tmp_path)


def test_article_views_are_written_every_few_seconds_or_at_once(tmp_path):
    assert load_config({"PORTAL_ENV": "development"}, tmp_path)["KB_VIEW_FLUSH_SECONDS"] == 5
    config = load_config({"PORTAL_ENV": "development", "KB_VIEW_FLUSH_SECONDS": "0"}, tmp_path)
    assert config["KB_VIEW_FLUSH_SECONDS"] == 0
    for wrong in ("-1", "often", "nan"):
        with pytest.raises(ConfigurationError, match="KB_VIEW_FLUSH_SECONDS"):
            load_config({"PORTAL_ENV": "development", "KB_VIEW_FLUSH_SECONDS": wrong}, tmp_path)


def test_the_page_cache_size_is_set_in_megabytes(tmp_path):
    assert load_config({"PORTAL_ENV": "development"}, tmp_path)["PAGE_CACHE_BYTES"] == 8 << 20
    config = load_config({"PORTAL_ENV": "development", "PAGE_CACHE_MB": "0.5"}, tmp_path)
    assert config["PAGE_CACHE_BYTES"] == 512 << 10
    assert load_config({"PORTAL_ENV": "development", "PAGE_CACHE_MB": "0"},
                       tmp_path)["PAGE_CACHE_BYTES"] == 0
    for wrong in ("-1", "lots"):
        with pytest.raises(ConfigurationError, match="PAGE_CACHE_MB"):
            load_config({"PORTAL_ENV": "development", "PAGE_CACHE_MB": wrong}, tmp_path)


def test_how_often_the_worker_sends_the_outbox(tmp_path):
    """15 s by default; the kill -9 trials (tests/integration/test_process_death.py) set it
    short so that a kill finds the worker sending."""
    assert load_config({"PORTAL_ENV": "development"}, tmp_path)["OUTBOX_SEND_SECONDS"] == 15
    config = load_config({"PORTAL_ENV": "development", "OUTBOX_SEND_SECONDS": "0.3"}, tmp_path)
    assert config["OUTBOX_SEND_SECONDS"] == 0.3
    with pytest.raises(ConfigurationError, match="OUTBOX_SEND_SECONDS"):
        load_config({"PORTAL_ENV": "development", "OUTBOX_SEND_SECONDS": "0"}, tmp_path)
