"""A help-centre topic is shown a page at a time: at full size a topic holds thousands."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.services import kb
from portal.web.kb.routes import CATEGORY_PER_PAGE
from tests.web.test_kb_pages import main_of, publish

TITLE = re.compile(r'href="/help/articles/(guide-\d+)"')


@pytest.fixture
def big_topic(app, now):
    category = kb.ensure_category("Billing & payments")
    db.session.commit()
    for n in range(CATEGORY_PER_PAGE + 5):
        publish(now, f"Guide {n:03d}", f"Billing guide number {n}.", category=category)
    publish(now, "Guide draft", "Not yet.", category=category, status="draft")
    return category


def shown(page: str) -> list[str]:
    return TITLE.findall(page.split('id="kb-category-articles"', 1)[1])


def test_the_first_page_shows_a_page_of_titles_and_the_whole_count(client, big_topic):
    page = main_of(client.get("/help/categories/billing-payments"))
    assert f"{CATEGORY_PER_PAGE + 5} articles" in page
    assert shown(page) == [f"guide-{n:03d}" for n in range(CATEGORY_PER_PAGE)]
    assert 'rel="next" href="/help/categories/billing-payments?page=2"' in page
    assert 'rel="prev"' not in page and "Page 1 of 2" in page


def test_the_next_page_shows_the_rest(client, big_topic):
    page = main_of(client.get("/help/categories/billing-payments?page=2"))
    assert shown(page) == [f"guide-{n:03d}" for n in range(CATEGORY_PER_PAGE,
                                                           CATEGORY_PER_PAGE + 5)]
    assert 'rel="prev" href="/help/categories/billing-payments"' in page
    assert 'rel="next"' not in page and "Page 2 of 2" in page


@pytest.mark.parametrize("value, expected", [("99", "Page 2 of 2"), ("abc", "Page 1 of 2"),
                                             ("-3", "Page 1 of 2"), ("9" * 40, "Page 1 of 2")])
def test_an_odd_page_number_shows_a_real_page(client, big_topic, value, expected):
    page = main_of(client.get(f"/help/categories/billing-payments?page={value}"))
    assert expected in page and shown(page)


def test_a_small_topic_has_no_pager(client, now):
    category = kb.ensure_category("Account & sign-in")
    db.session.commit()
    publish(now, "Reset your password", "From the e-mailed link.", category=category)
    page = main_of(client.get("/help/categories/account-sign-in"))
    assert "1 article" in page and "Page 1 of" not in page
