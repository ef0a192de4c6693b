from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.outbox import MAX_ATTEMPTS, UnsafeHeader, check_header, next_attempt_at

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["a@example.com\r\nBcc: x@evil.test", "Hi\nthere", "x\r"])
def test_header_values_with_line_breaks_are_refused(value):
    with pytest.raises(UnsafeHeader):
        check_header("subject", value)


def test_ordinary_header_value_passes():
    assert check_header("subject", "Khiếu nại của bạn đã được tiếp nhận") == (
        "Khiếu nại của bạn đã được tiếp nhận")


@pytest.mark.parametrize(("attempts", "delay"), [
    (1, timedelta(minutes=1)), (2, timedelta(minutes=2)), (3, timedelta(minutes=4)),
    (7, timedelta(hours=1, minutes=4)),
])
def test_failed_sends_back_off_exponentially(attempts, delay):
    assert next_attempt_at(NOW, attempts) == NOW + delay


def test_backoff_is_capped_and_gives_up_after_the_last_attempt():
    assert all(next_attempt_at(NOW, n) - NOW <= timedelta(hours=2) for n in range(1, MAX_ATTEMPTS))
    assert next_attempt_at(NOW, MAX_ATTEMPTS) is None
