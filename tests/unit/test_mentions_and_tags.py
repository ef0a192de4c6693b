"""@mentions in internal notes and ticket tags, from tables of what agents really type."""

from __future__ import annotations

import pytest

from portal.domain.mentions import handle_for, parse_mentions
from portal.domain.tags import (
    MAX_TAGS,
    TAG_MAX,
    TagError,
    normalise_tag,
    parse_tags,
    tag_changes,
)

# --- mentions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "handle"), [
    ("eszter@example.com", "eszter"),
    ("Eszter@Example.com", "eszter"),
    (" thu.ha@example.vn ", "thu.ha"),
    ("an+support@example.com", "an+support"),
])
def test_a_handle_is_the_local_part_of_the_email(email, handle):
    assert handle_for(email) == handle


@pytest.mark.parametrize(("text", "handles"), [
    ("@eszter can you check?", ["eszter"]),
    ("Ask @Eszter and @AN about it", ["eszter", "an"]),
    ("Ask @eszter.", ["eszter"]),
    ("Ask @eszter, then @an!", ["eszter", "an"]),
    ("(cc @eszter)", ["eszter"]),
    ("@thu.ha knows the bank", ["thu.ha"]),
    ("@eszter @eszter @ESZTER", ["eszter"]),
    ("line one\n@an on line two", ["an"]),
    ("Hỏi @minh_anh nhé", ["minh_anh"]),
    ("@a", ["a"]),
    # not mentions
    ("write to eszter@example.com", []),
    ("her address is @eszter@example.com", []),
    ("see https://social.example/@eszter", []),
    ("a lone @ sign", []),
    ("price@2", []),
    ("`@eszter` is the handle syntax", []),
    ("use ``code with `@an` inside``", []),
    ("```\n@eszter in a fenced block\n```\nbut @an outside", ["an"]),
    ("~~~\n@eszter\n~~~", []),
    ("```\nunterminated @eszter", []),
    ("", []),
])
def test_mentions_are_parsed_outside_addresses_and_code(text, handles):
    assert parse_mentions(text) == handles


# --- tags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "tag"), [
    ("Refund", "refund"),
    ("  late   delivery ", "late-delivery"),
    ("Hoàn Tiền", "hoàn-tiền"),
    ("Ho\u0300an", "hòan"),  # a decomposed accent equals the composed letter
    ("vip_customer", "vip_customer"),
    ("2fa\tissue", "2fa-issue"),
])
def test_tags_are_normalised(raw, tag):
    assert normalise_tag(raw) == tag


@pytest.mark.parametrize(("text", "tags"), [
    ("refund, late delivery", ["refund", "late-delivery"]),
    ("Refund, refund ,REFUND", ["refund"]),
    (" , ,", []),
    ("", []),
    ("hoàn tiền, giao-hàng, vip_1", ["hoàn-tiền", "giao-hàng", "vip_1"]),
    ("x" * TAG_MAX, ["x" * TAG_MAX]),
    (",".join(f"t{i}" for i in range(MAX_TAGS)), [f"t{i}" for i in range(MAX_TAGS)]),
])
def test_a_tag_list_is_parsed(text, tags):
    assert parse_tags(text) == tags


@pytest.mark.parametrize(("text", "code", "tag"), [
    ("ok, " + "x" * (TAG_MAX + 1), "tag_too_long", "x" * (TAG_MAX + 1)),
    ("refund!", "tag_invalid", "refund!"),
    ("a/b", "tag_invalid", "a/b"),
    ("#vip", "tag_invalid", "#vip"),
    ("<script>", "tag_invalid", "<script>"),
    (",".join(f"t{i}" for i in range(MAX_TAGS + 1)), "too_many_tags", ""),
])
def test_bad_tags_are_refused_with_the_tag_named(text, code, tag):
    with pytest.raises(TagError) as caught:
        parse_tags(text)
    assert (caught.value.code, caught.value.tag, caught.value.field) == (code, tag, "tags")


def test_tag_changes_list_what_was_added_and_removed():
    assert tag_changes(["a", "b"], ["b", "c", "d"]) == (["c", "d"], ["a"])
    assert tag_changes([], []) == ([], [])
