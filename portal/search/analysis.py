"""Text analysis shared by indexing and querying.

Customers type Vietnamese with or without accents ("khieu nai" for "khiếu nại") and English in
any inflection. Every token is lower-cased and accent-folded (đ → d too), so all spellings meet.
English words are Porter-stemmed; a token that is a well-formed Vietnamese syllable is left
alone, because the stemmer would turn syllables like "may" into "mai" and merge unrelated words.
The check runs after folding, so it decides the same way whether or not accents were typed.

Stop words stay in the index: "how do I log out" needs "out", and measured on the labelled
question set, dropping them lost 4 points of hit@1. Their cost at query time is handled by the
query planner (portal.search.query), which never lets a common word decide what matches.
They are left out only where a word must carry meaning: the confidence check and highlights.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:['’]\w+)?"

_INITIALS = "ngh|ch|gh|gi|kh|ng|nh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x"
_VOWELS = ("uye|uya|oai|oay|oeo|uay|uoi|uou|ieu|yeu|uoc|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|"
           "ua|ue|ui|uo|uu|uy|ye|a|e|i|o|u|y")
_FINALS = "ng|nh|ch|c|m|n|p|t|i|y|o|u"
VIETNAMESE_SYLLABLE = re.compile(rf"^(?:{_INITIALS})?(?:{_VOWELS})(?:{_FINALS})?$")

ENGLISH_STOP_WORDS = frozenset("""
a about am an and any are as at be been being but by can could did do does doing for from
had has have having he her here hers him his how i if in into is it its just me more most my
no nor not now of off on once only or other our out own please same she should so some still
such than that the their them then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours
yourself
""".split())

# Vietnamese function words, accent-folded (là, của, và, các, những, một, thì, mà, với, tôi…).
VIETNAMESE_STOP_WORDS = frozenset("""
la cua va cac nhung mot thi ma voi toi minh em anh chi ban oi a nhe vay nay do kia
""".split())

STOP_WORDS = ENGLISH_STOP_WORDS | VIETNAMESE_STOP_WORDS


def fold(text: str) -> str:
    """Lower-case and strip accents, the way the index sees words ("Đơn hàng" → "don hang")."""
    return text.lower().translate(accent_map)


@lru_cache(maxsize=50_000)
def stem_word(word: str) -> str:
    if VIETNAMESE_SYLLABLE.match(word) or not word.isascii() or word.isdigit():
        return word
    return stem(word)


# Stop words as the index holds them (stemmed: "does" → "doe", "was" → "wa").
STOP_TERMS = frozenset(STOP_WORDS | {stem_word(word) for word in STOP_WORDS})


class EnglishStemFilter(Filter):
    """Porter stemming for everything that is not a Vietnamese syllable."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = stem_word(token.text)
            yield token


def folding_analyzer():
    """Words as typed, minus case and accents: for titles shown back, spelling, suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def text_analyzer():
    """Words for matching: folded, English stemmed, stop words kept."""
    return folding_analyzer() | EnglishStemFilter()


def content_analyzer():
    """Words that carry meaning: like text_analyzer, without the stop words."""
    return (folding_analyzer() | StopFilter(stoplist=STOP_WORDS, minsize=1)
            | EnglishStemFilter())


def terms(text: str) -> list[str]:
    """The matching terms of a text, as the index holds them."""
    return [token.text for token in text_analyzer()(text)]


def content_terms(text: str) -> list[str]:
    """The matching terms of a text that are not stop words."""
    return [token.text for token in content_analyzer()(text)]
