"""TOTP (RFC 6238) and the rules of two-step sign-in, without the app or a database.

The vectors are RFC 6238 Appendix B: 8 digits, the ASCII seeds "1234567890" repeated to 20
bytes (SHA-1), 32 (SHA-256) and 64 (SHA-512).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import mfa, totp
from portal.domain.accounts import Role

SEEDS = {"sha1": b"12345678901234567890",
         "sha256": b"12345678901234567890123456789012",
         "sha512": b"1234567890123456789012345678901234567890123456789012345678901234"}
RFC_6238 = [  # (unix time, T as in the RFC, SHA-1, SHA-256, SHA-512)
    (59, 0x1, "94287082", "46119246", "90693936"),
    (1111111109, 0x23523EC, "07081804", "68084774", "25091201"),
    (1111111111, 0x23523ED, "14050471", "67062674", "99943326"),
    (1234567890, 0x273EF07, "89005924", "91819424", "93441116"),
    (2000000000, 0x3F940AA, "69279037", "90698825", "38618901"),
    (20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"),
]


def _b32(seed: bytes) -> str:
    return base64.b32encode(seed).decode()


@pytest.mark.parametrize(("when", "step", "sha1", "sha256", "sha512"), RFC_6238)
def test_the_rfc_6238_vectors(when, step, sha1, sha256, sha512):
    assert totp.time_step(when) == step
    for digest, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert totp.code_at(_b32(SEEDS[digest]), when, digits=8, digest=digest) == expected
        assert totp.hotp(SEEDS[digest], step, digits=8, digest=digest) == expected


def test_the_six_digit_code_is_the_last_six_of_the_rfc_value_and_keeps_leading_zeros():
    secret = _b32(SEEDS["sha1"])
    assert totp.code_at(secret, 1111111109) == "081804"
    assert totp.code_at(secret, datetime.fromtimestamp(1111111109, UTC)) == "081804"


def test_a_code_is_accepted_one_step_either_side_and_returns_its_step():
    secret = _b32(SEEDS["sha1"])
    now = datetime.fromtimestamp(1111111111, UTC)
    current = totp.time_step(now)
    for offset in (-1, 0, 1):
        code = totp.code_at(secret, now + timedelta(seconds=30 * offset))
        assert totp.verify(secret, code, now) == current + offset
    for offset in (-2, 2):
        assert totp.verify(secret, totp.code_at(secret, now + timedelta(seconds=30 * offset)),
                           now) is None


def test_a_step_at_or_before_the_last_one_used_never_matches_again():
    secret = totp.new_secret()
    now = datetime(2026, 11, 24, 12, 0, 10, tzinfo=UTC)
    code = totp.code_at(secret, now)
    step = totp.verify(secret, code, now)
    assert step == totp.time_step(now)
    assert totp.verify(secret, code, now, last_step=step) is None
    assert totp.verify(secret, code, now + timedelta(seconds=30), last_step=step) is None
    earlier = totp.code_at(secret, now - timedelta(seconds=30))
    assert totp.verify(secret, earlier, now, last_step=step) is None
    later = totp.code_at(secret, now + timedelta(seconds=30))
    assert totp.verify(secret, later, now + timedelta(seconds=30), last_step=step) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5"])
def test_what_cannot_be_a_code_is_refused_before_any_hmac(typed):
    assert totp.verify(totp.new_secret(), typed, datetime.now(UTC)) is None


def test_spaces_and_hyphens_inside_a_code_are_ignored():
    secret, now = totp.new_secret(), datetime.now(UTC)
    code = totp.code_at(secret, now)
    assert totp.verify(secret, f" {code[:3]} {code[3:]} ", now) is not None
    assert totp.verify(secret, f"{code[:3]}-{code[3:]}", now) is not None


def test_new_secrets_are_160_random_bits_in_base32():
    secrets_ = {totp.new_secret() for _ in range(50)}
    assert len(secrets_) == 50
    for secret in secrets_:
        assert len(secret) == 32 and len(totp.secret_key(secret)) == 20


def test_the_secret_is_grouped_for_typing_and_read_back_whatever_its_case_and_spaces():
    secret = totp.new_secret()
    shown = totp.grouped(secret)
    assert shown.split() == [secret[i:i + 4] for i in range(0, 32, 4)]
    assert totp.secret_key(shown.lower()) == totp.secret_key(secret)
    with pytest.raises(ValueError):
        totp.secret_key("not base32 at all!")


def test_the_provisioning_uri_names_the_issuer_account_and_the_defaults():
    uri = totp.provisioning_uri("ABCD EFGH", account="ana@example.com", issuer="Portal")
    assert uri == ("otpauth://totp/Portal:ana@example.com?secret=ABCDEFGH&issuer=Portal"
                   "&algorithm=SHA1&digits=6&period=30")


# --- recovery codes, the waiting sign-in, who must enrol ------------------------------------

def test_ten_distinct_recovery_codes_of_80_bits_read_back_in_any_case():
    codes = mfa.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        assert len(code) == 19 and code.count("-") == 3
        cleaned = mfa.clean_recovery_code(code.upper().replace("-", " "))
        assert cleaned == code.replace("-", "") and len(cleaned) == 16
        assert len(mfa.hash_recovery_code(cleaned)) == 64


@pytest.mark.parametrize("typed", ["", "123456", "abcd-efgh-ijkl-mno", "abcd-efgh-ijkl-mnop1",
                                   "abcd-efgh-ijkl-mn0p"])
def test_what_cannot_be_a_recovery_code_is_not_looked_up(typed):
    assert mfa.clean_recovery_code(typed) is None


def test_a_waiting_sign_in_lasts_five_minutes():
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert mfa.pending_is_fresh(start, start)
    assert mfa.pending_is_fresh(start, start + timedelta(minutes=4, seconds=59))
    assert not mfa.pending_is_fresh(start, start + timedelta(minutes=5))
    assert not mfa.pending_is_fresh(start, start - timedelta(seconds=1))


@pytest.mark.parametrize(("role", "required", "enrolled", "must"), [
    (Role.AGENT, True, False, True), (Role.SUPERVISOR, True, False, True),
    (Role.ADMIN, True, False, True), (Role.AGENT, True, True, False),
    (Role.AGENT, False, False, False), (Role.CUSTOMER, True, False, False)])
def test_only_staff_without_it_must_enrol_and_only_while_required(role, required, enrolled,
                                                                  must):
    assert mfa.must_enrol(role, required=required, enrolled=enrolled) is must
    assert mfa.may_turn_off(role, required=required) is not (required and role.is_staff)
