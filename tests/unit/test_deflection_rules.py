"""Deflection: a customer who opened a suggested article and filed nothing for 30 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.deflection import DECISION_WINDOW, DEFLECTED, FILED, outcome

CLICK = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return CLICK + timedelta(minutes=n)


def test_the_decision_window_is_30_minutes():
    assert timedelta(minutes=30) == DECISION_WINDOW


@pytest.mark.parametrize(("filed", "now", "expected"), [
    ([], minutes(0), None),                       # just clicked
    ([], minutes(29), None),                      # still inside the window: undecided
    ([], minutes(30), DEFLECTED),                 # the window is over, nothing filed
    ([], minutes(600), DEFLECTED),
    ([minutes(5)], minutes(6), FILED),            # filed inside the window: decided at once
    ([minutes(5)], minutes(600), FILED),
    ([minutes(0)], minutes(1), FILED),            # filed in the same second as the click
    ([minutes(30)], minutes(31), FILED),          # the window's last moment still counts
    ([minutes(-5)], minutes(10), None),           # a filing before the click does not count
    ([minutes(-5)], minutes(31), DEFLECTED),
    ([minutes(45)], minutes(50), DEFLECTED),      # a filing after the window does not count
    ([minutes(-1), minutes(45)], minutes(60), DEFLECTED),
    ([minutes(-1), minutes(12), minutes(45)], minutes(60), FILED),
])
def test_the_outcome_of_a_clicked_suggestion(filed, now, expected):
    assert outcome(CLICK, filed, now) == expected
