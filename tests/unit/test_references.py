"""Ticket references: easy to read aloud, no look-alike characters, random, forgiving input."""

from __future__ import annotations

import re

import pytest

from portal.domain.references import ALPHABET, new_reference, normalize_reference

FORMAT = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")


def test_a_reference_is_two_groups_of_four_characters():
    assert FORMAT.match(new_reference())


@pytest.mark.parametrize("look_alike", ["0", "O", "1", "I"])
def test_the_alphabet_has_no_look_alike_characters(look_alike):
    assert look_alike not in ALPHABET


def test_the_alphabet_has_32_distinct_upper_case_letters_and_digits():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert ALPHABET.upper() == ALPHABET


def test_references_use_the_given_random_choice():
    picks = iter("ABCDEFGH")
    assert new_reference(choice=lambda _alphabet: next(picks)) == "ABCD-EFGH"


def test_ten_thousand_references_are_valid_and_practically_unique():
    made = [new_reference() for _ in range(10_000)]
    assert all(normalize_reference(ref) == ref for ref in made)
    assert all(set(ref.replace("-", "")) <= set(ALPHABET) for ref in made)
    # 2^40 possible references: a collision among 10,000 has a chance of about 1 in 22,000.
    assert len(set(made)) >= 9_999


def test_references_are_not_sequential():
    made = sorted(new_reference() for _ in range(100))
    assert len({ref[:4] for ref in made}) > 50


@pytest.mark.parametrize(("typed", "canonical"), [
    ("K7MX-3QPA", "K7MX-3QPA"),
    ("k7mx-3qpa", "K7MX-3QPA"),
    ("K7MX3QPA", "K7MX-3QPA"),
    ("k7mx 3qpa", "K7MX-3QPA"),
    ("  K7MX - 3QPA  ", "K7MX-3QPA"),
    ("K7-MX-3Q-PA", "K7MX-3QPA"),
    ("k7mx_3qpa", "K7MX-3QPA"),
    ("K7MX.3QPA", "K7MX-3QPA"),
    ("\tK7MX-3QPA", "K7MX-3QPA"),
])
def test_normalize_accepts_what_people_type(typed, canonical):
    assert normalize_reference(typed) == canonical


@pytest.mark.parametrize("typed", [
    None,
    "",
    "   ",
    "K7MX-3QP",            # 7 characters
    "K7MX-3QPAB",          # 9 characters
    "K0MX-3QPA",           # zero
    "KOMX-3QPA",           # letter O
    "K1MX-3QPA",           # one
    "KIMX-3QPA",           # letter I
    "K7MX-3QP!",
    "K7MX/3QPA",
    "K7MX-3QPÁ",
    "Ｋ7MX-3QPA",           # full-width K
    "K7MX-3QPA" + " " * 40,  # over 40 characters, even if only spaces follow
    "-" * 41,
    "K7MX-3QPA' OR 1=1 --",
])
def test_normalize_rejects_what_cannot_be_a_reference(typed):
    assert normalize_reference(typed) is None
