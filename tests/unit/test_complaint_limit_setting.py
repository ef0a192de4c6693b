"""The complaint form's rate limit can be set from the environment (the load benchmark does)."""

from portal.config import SETTINGS, load_config


def test_the_complaint_limit_defaults_to_ten_a_minute_and_fifty_an_hour(tmp_path):
    config = load_config({"PORTAL_ENV": "development"}, tmp_path)
    assert config["RATELIMIT_COMPLAINT"] == "10 per minute;50 per hour"


def test_the_complaint_limit_is_read_from_the_environment(tmp_path):
    config = load_config({"PORTAL_ENV": "development", "RATELIMIT_COMPLAINT": "5 per second"},
                         tmp_path)
    assert config["RATELIMIT_COMPLAINT"] == "5 per second"


def test_the_complaint_limit_is_listed_among_the_settings():
    assert "RATELIMIT_COMPLAINT" in {setting.name for setting in SETTINGS}
