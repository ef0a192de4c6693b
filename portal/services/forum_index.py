"""Forum threads in the search index (kind "thread").

Only public threads are indexed (portal.domain.forum.is_public): a hidden or private thread's
entry is removed, so no search, suggestion or did-you-mean can show it to anyone. A thread is
one document: its title, then the opening post, the accepted answer and the other visible
posts (posts a moderator hid are left out).
"""

from __future__ import annotations

import re

from portal.domain import forum as rules
from portal.markdown import plain_text
from portal.models import ForumPost, ForumThread
from portal.search.analysis import VIETNAMESE_SYLLABLE, fold
from portal.search.schema import SearchDocument
from portal.services import forum_access

THREAD = "thread"
CATEGORY_PREFIX = "forum-"  # forum category slugs in the index, apart from article categories

# Letters only Vietnamese uses (an English text never holds them).
_VIETNAMESE_LETTERS = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
                                 "àáèéìíòóùúýõã]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


def changed(thread: ForumThread) -> None:
    """Queue the thread's index entry for an update (or removal). The caller commits, then
    calls portal.services.search.apply_pending()."""
    from portal.services.search import queue_reindex  # search imports this module

    queue_reindex(THREAD, thread.id)


def guess_language(text: str) -> str:
    """"vi" for Vietnamese, typed with accents or (mostly syllables) without; else "en"."""
    if _VIETNAMESE_LETTERS.search(text):
        return "vi"
    words = _WORD.findall(fold(text[:2000]))
    if len(words) >= 3:
        syllables = sum(1 for word in words if VIETNAMESE_SYLLABLE.match(word))
        if syllables / len(words) >= 0.8:
            return "vi"
    return "en"


def indexed_posts(thread: ForumThread) -> list[ForumPost]:
    """The posts the index holds, in reading order: the opening post, the accepted answer,
    then the other visible replies."""
    visible = [post for post in thread.posts if not post.hidden]
    opening = [post for post in visible if post.is_opening]
    accepted = [post for post in visible
                if post.id == thread.accepted_post_id and not post.is_opening]
    rest = [post for post in visible if post not in opening and post not in accepted]
    return opening + accepted + rest


def thread_document(thread: ForumThread) -> SearchDocument | None:
    """The thread as a search document, or None when it must not be in the index."""
    if not rules.is_public(forum_access.flags_of(thread)):
        return None
    posts = indexed_posts(thread)
    body = " ".join(text for text in (plain_text(post.body_md) for post in posts) if text)
    category = thread.category
    score = sum(post.score or 0 for post in posts if post.is_opening)
    return SearchDocument(
        kind=THREAD, object_id=thread.id, slug=str(thread.id), title=thread.title, body=body,
        category=CATEGORY_PREFIX + category.slug if category else "",
        category_name=category.name if category else "", visibility="public",
        language=guess_language(f"{thread.title} {body}"),
        popularity=score + (thread.reply_count or 0))


def thread_id_of(slug: str) -> int | None:
    """A thread hit's slug is the thread's id."""
    return int(slug) if slug.isdigit() else None
