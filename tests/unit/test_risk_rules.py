"""Risk signs from real-looking complaints and replies, in English and Vietnamese, typed with
or without accents, and the look-alikes that must not raise a flag."""

from __future__ import annotations

import pytest

from portal.domain import risk
from portal.domain.risk import ABUSE, MANAGER, THREAT_LEGAL, THREAT_PUBLIC

FLAGGED = [
    # English: asking for someone higher up
    ("I want to speak to your manager right now.", {MANAGER}),
    ("Put me through to a supervisor, please.", {MANAGER}),
    ("Third time asking. Escalate this to someone in charge.", {MANAGER}),
    ("I demand a supervisor call me back today", {MANAGER}),
    # English: abuse
    ("You guys are useless and incompetent.", {ABUSE}),
    ("What the fuck is wrong with your bank?", {ABUSE}),
    ("Stop this bullshit and refund me.", {ABUSE}),
    ("You are a bunch of thieves", {ABUSE}),
    # English: legal threats
    ("If this isn't fixed by Friday I will contact my lawyer.", {THREAT_LEGAL}),
    ("I'm going to sue you for every penny.", {THREAT_LEGAL}),
    ("Expect legal action.", {THREAT_LEGAL}),
    ("See you in court.", {THREAT_LEGAL}),
    # English: public threats
    ("I will post this on Facebook and tell everyone how you treat customers.",
     {THREAT_PUBLIC}),
    ("I'm leaving a one-star review on Google.", {THREAT_PUBLIC}),
    ("I'll go to the press with this.", {THREAT_PUBLIC}),
    ("Enjoy the bad reviews.", {THREAT_PUBLIC}),
    # Decided: negation is out of scope, the agent clears the flag in one click.
    ("I am not going to sue, but I want to speak to a manager.", {MANAGER, THREAT_LEGAL}),
    ("Idiots. Get me a supervisor or I'll call my attorney.", {ABUSE, MANAGER, THREAT_LEGAL}),
    # Vietnamese: asking for someone higher up
    ("Cho tôi gặp quản lý của các bạn ngay!", {MANAGER}),
    ("Tôi muốn nói chuyện với người quản lý.", {MANAGER}),
    ("cho toi gap sep cua ban", {MANAGER}),
    ("Chuyển yêu cầu này lên cấp trên đi.", {MANAGER}),
    ("Tôi sẽ phản ánh lên giám đốc ngân hàng.", {MANAGER}),
    # Vietnamese: legal threats
    ("Tôi sẽ kiện công ty các bạn.", {THREAT_LEGAL}),
    ("Không giải quyết thì kiện.", {THREAT_LEGAL}),
    ("toi se khoi kien ra toa", {THREAT_LEGAL}),
    ("Tôi sẽ báo công an về vụ này.", {THREAT_LEGAL}),
    ("bao cong an ngay", {THREAT_LEGAL}),
    ("Tôi đã nhờ luật sư xem lại hợp đồng.", {THREAT_LEGAL}),
    ("Tôi sẽ đưa vụ này ra tòa.", {THREAT_LEGAL}),
    ("toi se kien cac ban toi cung", {THREAT_LEGAL}),
    # Vietnamese: public threats
    ("Tôi sẽ đăng lên mạng cho mọi người biết.", {THREAT_PUBLIC}),
    ("Sẽ bóc phốt ngân hàng trên facebook", {THREAT_PUBLIC}),
    ("Tôi sẽ liên hệ báo chí.", {THREAT_PUBLIC}),
    ("dang len facebook cho dan mang biet", {THREAT_PUBLIC}),
    ("Đánh giá 1 sao, tẩy chay!", {THREAT_PUBLIC}),
    ("Tôi sẽ chia sẻ chuyện này trên mạng xã hội", {THREAT_PUBLIC}),
    # Vietnamese: abuse
    ("Đồ lừa đảo, khốn nạn!", {ABUSE}),
    ("Bọn mày ngu như bò", {ABUSE}),
    ("vcl, chờ 3 ngày rồi", {ABUSE}),
    ("Thằng ngu nào trả lời vậy?", {ABUSE}),
    # accents typed in decomposed form, and upper case
    ("TÔI SẼ KIỆN CÁC BẠN", {THREAT_LEGAL}),
]

NOT_FLAGGED = [
    "How do I manage my account settings?",
    "Why is there a management fee on my statement?",
    "Your supervisor approved my refund last week, but I haven't received it.",
    "My manager asked me to file this complaint on behalf of the company.",
    "I need my manager's signature on this form.",
    "I saw your ad on Facebook and signed up.",
    "I log in with my Facebook account and it keeps failing.",
    "My name is Sue and my card was declined.",
    "I filed a police report after my card was stolen.",
    "Please press the button again? Nothing happens.",
    "Can you tell me the status of my complaint?",
    "Tôi muốn tìm hiểu thêm kiến thức về thẻ tín dụng.",
    "Phí quản lý tài khoản tháng này quá cao.",
    "Làm sao để quản lý chi tiêu trên ứng dụng?",
    "Kiện hàng của tôi bị giao thiếu 2 kiện.",
    "Điều kiện để được hoàn tiền là gì?",
    "Tôi đang dùng Facebook để đăng nhập.",
    "toi dang dung facebook de dang nhap",
    "Tôi bị lừa đảo qua điện thoại, mong ngân hàng hỗ trợ.",
    "toi phai kien nhan cho doi qua lau",
    "Giám đốc chi nhánh đã duyệt khoản vay của tôi.",
    "Phí tăng lên bao nhiêu vậy?",
    "Cáp trên cột bị đứt, mạng chập chờn.",
    "Đồ ngủ tôi đặt bị giao sai màu.",
    "toi co y kien ve dich vu",
    "Sự kiện khuyến mãi tháng 12 có áp dụng cho thẻ của tôi không?",
    "Hạt óc chó trong hộp quà bị mốc.",
    "Tôi muốn quản lý tài khoản của mình trên điện thoại.",
    "Mong các bạn đừng phớt lờ tôi nữa.",
    "Tôi gấp lắm, cần xử lý trong hôm nay.",
    "",
]


@pytest.mark.parametrize(("text", "reasons"), FLAGGED, ids=[t[:40] for t, _ in FLAGGED])
def test_a_sign_of_escalation_is_named(text, reasons):
    assert set(risk.assess(text).reasons) == reasons


@pytest.mark.parametrize("text", NOT_FLAGGED, ids=[t[:40] or "empty" for t in NOT_FLAGGED])
def test_a_look_alike_is_not_flagged(text):
    assert risk.assess(text).reasons == ()
    assert not risk.assess(text).flagged


def test_the_table_is_big_enough_and_half_of_it_harmless():
    assert len(FLAGGED) + len(NOT_FLAGGED) >= 40
    assert len(NOT_FLAGGED) >= 15


@pytest.mark.parametrize(("accented", "plain"), [
    ("Tôi sẽ khởi kiện", "toi se khoi kien"),
    ("Cho tôi gặp quản lý", "cho toi gap quan ly"),
    ("báo công an", "bao cong an"),
    ("bóc phốt", "boc phot"),
])
def test_vietnamese_matches_with_or_without_accents(accented, plain):
    assert risk.assess(accented).reasons == risk.assess(plain).reasons != ()


def test_a_bare_folded_kien_needs_context_but_the_accented_one_does_not():
    assert risk.assess("kiện").reasons == (THREAT_LEGAL,)
    assert risk.assess("kien").reasons == ()  # could be "kiến" (ant, knowledge…)
    assert risk.assess("se kien").reasons == (THREAT_LEGAL,)


def test_decomposed_accents_are_composed_first():
    import unicodedata

    assert risk.assess(unicodedata.normalize("NFD", "Tôi sẽ kiện")).reasons == (THREAT_LEGAL,)


def test_reasons_come_in_a_fixed_order_without_duplicates():
    reasons = risk.assess("Lawyer! Lawyer! I will sue. Manager now, put me through to your "
                          "supervisor, you idiots, I'll post it on Facebook").reasons
    assert reasons == (THREAT_LEGAL, THREAT_PUBLIC, MANAGER, ABUSE)


@pytest.mark.parametrize(("count", "repeated"), [(0, False), (1, False), (2, False),
                                                 (3, True), (7, True)])
def test_three_messages_without_an_answer_is_repeated_contact(count, repeated):
    assert risk.repeated_contact(count) is repeated


def test_merge_adds_new_reasons_once():
    merged, new = risk.merge(["manager"], ("manager", "abuse"))
    assert merged == ["manager", "abuse"]
    assert new == ["abuse"]
    assert risk.merge(None, ()) == ([], [])
