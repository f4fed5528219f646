"""Saved queue views: named sets of queue filters that one user keeps (shown as tabs).

A view stores the queue page's filter arguments (triage.queue.FILTER_KEYS) as given; they
are parsed again each time it is shown, so a view naming a category that is gone simply
stops filtering by it. Each user sees and changes only their own views.
"""
from __future__ import annotations

from typing import Mapping, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import SavedView, User
from triage.queue import filter_args

NAME_MAX = 80
MAX_VIEWS = 20


class SavedViewError(ValueError):
    """A view that cannot be saved; `reason` says why (one of the constants below), `params`
    the figures that go with it."""

    def __init__(self, reason: str, **params: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


EMPTY_NAME = "the view needs a name"
NAME_TOO_LONG = f"a view name has at most {NAME_MAX} characters"
DUPLICATE_NAME = "you already have a view with this name"
TOO_MANY = f"at most {MAX_VIEWS} views per user"


# Built once: every queue page and poll asks (building a select costs more than running it).
_VIEWS_OF = (
    sa.select(SavedView.id, SavedView.name, SavedView.filters, SavedView.position)
    .where(SavedView.user_id == sa.bindparam("user_id"))
    .order_by(SavedView.position, SavedView.id)
)


def views_of(session: so.Session, user_id: int) -> list[sa.Row]:
    """The user's views in their order (the oldest first): id, name, filters, position rows,
    not ORM objects (every queue page and poll reads them)."""
    return list(session.execute(_VIEWS_OF, {"user_id": user_id}))


def save_view(session: so.Session, user: User, name: str, args: Mapping[str, str]) -> SavedView:
    """Keep the queue filters among `args` under `name` for `user` (caller commits).

    Names are trimmed, at most NAME_MAX characters and unique per user (case-insensitive);
    a user keeps at most MAX_VIEWS views. Refusals raise SavedViewError.
    """
    name = " ".join(name.split())
    if not name:
        raise SavedViewError(EMPTY_NAME)
    if len(name) > NAME_MAX:
        raise SavedViewError(NAME_TOO_LONG, length=len(name), n=NAME_MAX)
    views = views_of(session, user.id)
    if any(v.name.casefold() == name.casefold() for v in views):
        raise SavedViewError(DUPLICATE_NAME)
    if len(views) >= MAX_VIEWS:
        raise SavedViewError(TOO_MANY)
    view = SavedView(user_id=user.id, name=name, filters=filter_args(args),
                     position=max((v.position for v in views), default=-1) + 1)
    session.add(view)
    try:
        session.flush()  # two saves of one name at once: the unique constraint refuses the second
    except sa.exc.IntegrityError:
        session.rollback()
        raise SavedViewError(DUPLICATE_NAME) from None
    return view


def delete_view(session: so.Session, user: User, view_id: int) -> bool:
    """Remove one of the user's own views; whether there was one (caller commits)."""
    view: Optional[SavedView] = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        return False
    session.delete(view)
    return True
