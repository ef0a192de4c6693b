"""Which posts of a thread became tickets, for the thread's banner and the staff's per-post
links (templates/forum/_ticket_banner.html, _post_convert.html).

`forum_tickets(thread)` is one query per thread and request, however many posts the page shows
(the answer is kept in `g`). It is a function, so pages that never ask pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g

from portal.models import ForumThread, Ticket
from portal.services.forum_conversion import thread_ticket_posts
from portal.web.forum.routes import bp


@dataclass(frozen=True)
class ThreadTickets:
    by_post: dict[int, Ticket] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.by_post)

    def ticket_of(self, post_id: int) -> Ticket | None:
        return self.by_post.get(post_id)

    def owned_by(self, user_id: int | None) -> list[Ticket]:
        """The tickets whose customer is `user_id` (the post's author): theirs to follow."""
        if user_id is None:
            return []
        return [t for t in self.by_post.values() if t.customer_id == user_id]


def forum_tickets(thread: ForumThread) -> ThreadTickets:
    cache = g.setdefault("forum_ticket_links", {})
    if thread.id not in cache:
        cache[thread.id] = ThreadTickets({post.id: post.ticket
                                          for post in thread_ticket_posts(thread)})
    return cache[thread.id]


@bp.app_context_processor
def ticket_links() -> dict:
    """Registered app-wide by the forum blueprint, so agent pages that show posts may use the
    same partials."""
    return {"forum_tickets": forum_tickets}
