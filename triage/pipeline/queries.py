"""How the pipeline reads: a batch's values in chunks, rows read fresh, tickets without their messages."""
from __future__ import annotations

from typing import Iterator, Sequence, TypeVar

import sqlalchemy.orm as so

from triage.models import Ticket

T = TypeVar("T")
CHUNK = 500  # values per IN (...)
# Values read fresh, not taken from a session that outlived a commit (expire_on_commit=False).
FRESH = {"populate_existing": True}
# Tickets the store touches never need their messages loaded: the due time is computed
# from texts it queries itself, and new messages are inserted as rows.
LAZY_MESSAGES = so.lazyload(Ticket.messages)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
