"""What every page pays, made cheaper without changing what it does: remembered template URLs,
the rate-limit check that skips an empty list, the per-render link guard, the security headers."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_limiter.util import get_remote_address

from portal.extensions import PortalLimiter
from portal.web.urls import cached_url_for


def _url(app, template: str, **request) -> str:
    with app.test_request_context(**request):
        return render_template_string(template)


def test_remembered_urls_follow_the_mount_point_and_the_values(app):
    assert _url(app, "{{ url_for('kb.index') }}", path="/") == "/help"
    assert _url(app, "{{ url_for('kb.index') }}", path="/", base_url="http://h/sub") == "/sub/help"
    assert _url(app, "{{ url_for('kb.index') }}", path="/") == "/help"
    article = "{{ url_for('kb.article', slug=s) }}"
    assert _url(app, article.replace("s)", "'a')")) == "/help/articles/a"
    assert _url(app, article.replace("s)", "'b')")) == "/help/articles/b"
    assert _url(app, "{{ url_for('kb.index', _external=True) }}") == "http://localhost/help"
    assert _url(app, "{{ url_for('kb.search', q=1) }}") == "/search?q=1"
    assert _url(app, "{{ url_for('kb.search', q=True) }}") == "/search?q=True"


def test_remembered_urls_are_bounded(app, monkeypatch):
    monkeypatch.setattr("portal.web.urls.CACHE_LIMIT", 3)
    url_for = cached_url_for(app)
    with app.test_request_context("/"):
        urls = [url_for("kb.article", slug=f"s{n}") for n in range(10)]
        assert urls == [f"/help/articles/s{n}" for n in range(10)]
        assert url_for("kb.article", slug="s1") == "/help/articles/s1"


def _limited_app(limiter: PortalLimiter) -> Flask:
    app = Flask(__name__)
    limiter.init_app(app)

    @app.get("/open")
    def open_page():
        return "open"

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited_page():
        return "limited"

    return app


def test_the_before_request_check_is_skipped_only_when_nothing_could_apply():
    limiter = PortalLimiter(key_func=get_remote_address, storage_uri="memory://")
    client = _limited_app(limiter).test_client()
    assert not limiter.middleware_has_limits()
    assert [client.get("/open").status_code for _ in range(5)] == [200] * 5
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]

    defaults = PortalLimiter(key_func=get_remote_address, storage_uri="memory://",
                             default_limits=["2 per minute"])
    client = _limited_app(defaults).test_client()
    assert defaults.middleware_has_limits()
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429]


def test_navigation_shows_what_the_visitor_may_open(client, signed_in_client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/help"' in page and "Agent console" not in page
    staff, _user = signed_in_client(role="supervisor")
    page = staff.get("/reports/").get_data(as_text=True)
    assert "Agent console" in page
    assert '<a href="/reports/" aria-current="page">Reports</a>' in page


def test_security_headers_are_added_once_and_a_views_own_value_wins(client):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert len(headers.getlist("Content-Security-Policy")) == 1
    lookup = client.get("/track").headers
    assert lookup.getlist("Referrer-Policy") == ["no-referrer"]


def test_remembered_dates_follow_the_language_and_the_time_zone(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_datetime, refresh

    when = datetime(2026, 11, 26, 7, 5, tzinfo=UTC)
    date = app.jinja_env.filters["datetime"]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = date(when)
        assert english == format_datetime(when, "medium") and "Nov" in english
        with force_locale("vi"):
            assert date(when) == format_datetime(when, "medium") != english
        assert date(when) == english and date(None) == ""
        app.config["PORTAL_TIMEZONE"] = "America/New_York"
        refresh()
        assert date(when) == format_datetime(when, "medium") != english, "02:05 in New York"
