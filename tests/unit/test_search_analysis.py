"""Analysis: accent folding for Vietnamese, stemming for English only. No app, no index."""

import pytest

from portal.search.analysis import VIETNAMESE_SYLLABLE, content_terms, fold, stem_word, terms


@pytest.mark.parametrize("typed", ["khiếu nại", "khieu nai", "KHIẾU NẠI", "Khiếu Nại"])
def test_every_spelling_of_a_vietnamese_phrase_gives_the_same_terms(typed):
    assert terms(typed) == ["khieu", "nai"]


def test_d_with_stroke_folds_to_d():
    assert fold("Đơn hàng đã giao") == "don hang da giao"
    assert terms("đơn hàng") == terms("don hang") == ["don", "hang"]


@pytest.mark.parametrize(("english", "stem"), [
    ("refunds", "refund"), ("refunded", "refund"), ("refunding", "refund"),
    ("waiting", "wait"), ("charges", "charg"), ("cards", "card"),
])
def test_english_words_are_stemmed(english, stem):
    assert terms(english) == [stem]


@pytest.mark.parametrize("syllable", ["may", "mấy", "nghiêng", "khuyến", "thuyền", "hay", "tuy",
                                      "quyết", "giường", "người"])
def test_vietnamese_syllables_are_not_stemmed(syllable):
    folded = fold(syllable)
    assert VIETNAMESE_SYLLABLE.match(folded)
    assert stem_word(folded) == folded


def test_stop_words_stay_for_matching_and_go_for_meaning_in_both_languages():
    assert terms("I am still waiting on my card?") == ["i", "am", "still", "wait", "on", "my",
                                                       "card"]
    assert content_terms("I am still waiting on my card?") == ["wait", "card"]
    assert content_terms("Đơn hàng của tôi") == ["don", "hang"]


def test_numbers_and_mixed_tokens_survive():
    assert content_terms("error 404 on iOS17") == ["error", "404", "ios17"]
