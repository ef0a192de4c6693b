"""Translations cached per request (portal/web/translating.py) still follow force_locale,
refresh and the template gettext's newstyle rules."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import force_locale, gettext, lazy_gettext, refresh

from portal.notify.outbox import queue_email

TEMPLATE = '{{ _("Sign in") }}|{{ gettext("Problem") }}'


def test_force_locale_switches_and_restores_python_and_template_strings(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Sign in") == "Sign in"
        assert render_template_string(TEMPLATE) == "Sign in|Problem"
        with force_locale("vi"):
            assert gettext("Sign in") == "Đăng nhập"
            assert str(lazy_gettext("Problem")) == "Vấn đề"
            assert render_template_string(TEMPLATE) == "Đăng nhập|Vấn đề"
            with force_locale("en"):
                assert render_template_string(TEMPLATE) == "Sign in|Problem"
            assert gettext("Sign in") == "Đăng nhập", "the inner force_locale restored vi"
        assert gettext("Sign in") == "Sign in"
        assert render_template_string(TEMPLATE) == "Sign in|Problem"


def test_a_vietnamese_request_forcing_english_for_an_email(app):
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        assert render_template_string(TEMPLATE) == "Đăng nhập|Vấn đề"
        with force_locale("en"):
            assert gettext("Problem") == "Problem"
        assert render_template_string(TEMPLATE) == "Đăng nhập|Vấn đề"


def test_refresh_picks_up_a_new_language_in_the_same_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Sign in") == "Sign in"
        session["locale"] = "vi"
        refresh()
        assert gettext("Sign in") == "Đăng nhập"
        assert render_template_string(TEMPLATE) == "Đăng nhập|Vấn đề"


def test_outbox_renders_each_email_in_its_recipients_language(app, now):
    user = type("U", (), {"name": "Hà"})()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        vi = queue_email("a@example.com", lazy_gettext("Problem"), "password_reset", locale="vi",
                         now=now, user=user, link="http://x/r/1", minutes=60)
        en = queue_email("b@example.com", lazy_gettext("Problem"), "password_reset", locale="en",
                         now=now, user=user, link="http://x/r/1", minutes=60)
        assert render_template_string(TEMPLATE) == "Sign in|Problem"
    assert vi.subject == "Vấn đề" and en.subject == "Problem"
    assert vi.body_text.startswith("Xin chào Hà") and en.body_text.startswith("Hello Hà,")


def test_template_gettext_keeps_jinja_newstyle_rules(app):
    with app.test_request_context("/"):
        # autoescaped: the text is markup, the variables are escaped
        assert render_template_string('{{ _("a %(x)s", x="<b>") }}') == "a &lt;b&gt;"
        # always a format string, with or without variables, twice (memoised) alike
        twice = '{{ _("100%% sure") }}{{ _("100%% sure") }}'
        assert render_template_string(twice) == "100% sure100% sure"
        assert render_template_string(
            '{{ ngettext("%(num)s file", "%(num)s files", 2) }}') == "2 files"
        assert render_template_string(
            '{% trans n=3 %}{{ n }} thing{% endtrans %}') == "3 thing"
    # without autoescape (the e-mails' .txt) nothing is escaped
    text = app.jinja_env.overlay(autoescape=False).from_string('{{ _("a %(x)s", x="<b>") }}')
    with app.test_request_context("/"):
        assert text.render() == "a <b>"
