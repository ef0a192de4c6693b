"""Team and category names are unique in any case, Vietnamese letters included.

SQLite's lower() folds only ASCII: "Đơn hàng" and "đơn hàng" used to pass the check, and the
insert then broke the unique index (a 500 the form fuzzer found with "Î" / "î").
"""

from __future__ import annotations

import pytest

from portal.domain.errors import DomainError
from portal.services import complaint_categories, kb
from portal.services.complaint_categories import CategoryChanges
from portal.services.users import create_team


@pytest.mark.parametrize("first, second", [("Đơn hàng", "đơn hàng"), ("Î", "î"),
                                           ("Billing", "Billing")])
def test_a_team_name_taken_in_another_case_is_refused(app, now, first, second):
    create_team(None, name=first, now=now)
    with pytest.raises(DomainError) as refused:
        create_team(None, name=second, now=now)
    assert refused.value.code == "team_name_taken"


def test_a_complaint_category_name_taken_in_another_case_is_refused(app, now):
    complaint_categories.create_category(None, CategoryChanges(name="Giao hàng"), now=now)
    with pytest.raises(DomainError) as refused:
        complaint_categories.create_category(None, CategoryChanges(name="GIAO HÀNG"), now=now)
    assert refused.value.code == "category_name_taken"


def test_an_article_category_is_found_in_any_case(app):
    first = kb.ensure_category("Thanh toán")
    assert kb.ensure_category("THANH TOÁN").id == first.id
