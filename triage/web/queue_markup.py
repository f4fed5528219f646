"""The queue's rows as markup, built in one pass per row.

A page of 50 rows through the template ran some 750 attribute lookups and escapes; the
queue is the page agents reload all day, so its rows are written here with one escape per
text field instead (measured: bench/queue_pages.py, the deep page ~0.5 ms faster). Every
value that comes from a sender or a person is escaped; ids, states and ISO times are ours.
"""
from __future__ import annotations

from typing import Iterable

from markupsafe import Markup

try:  # markupsafe's own C escaper, the one markupsafe.escape calls (MarkupSafe is pinned)
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - a build without the C extension
    from markupsafe._native import _escape_inner

from triage.web.display import QueueRow


def escape(text: str) -> str:
    """markupsafe.escape's output as a plain str, without a Markup object per field (~700
    per page were a tenth of its time). Text that is already markup (a translated label
    from the template) is kept as it is, as markupsafe does."""
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return _escape_inner(text)


def queue_row_markup(r: QueueRow, review_text: str, nobody: str) -> str:
    review = f'<span class="review" aria-label="{escape(review_text)}">?</span> ' if r.needs_review else ""
    subject = f"<strong>{escape(r.subject)}</strong> — " if r.subject else ""
    contact = escape(r.contact)
    return (
        f'<tr class="ticket due-{r.due_state}" data-ticket-id="{r.id}" data-due-state="{r.due_state}">'
        f'<td class="num">#{r.id}</td>'
        f'<td class="due" title="{escape(r.due_explanation)}"><time datetime="{r.due_iso}">{escape(r.due_text)}</time></td>'
        f'<td class="label" title="{escape(r.label_title)}">{review}{escape(r.label_name)}</td>'
        f'<td class="channel">{escape(r.channel)}</td>'
        f'<td class="contact" title="{contact}">{contact}</td>'
        f'<td class="preview" title="{escape(r.first_line)}"><a href="{escape(r.url)}" class="open">{subject}{escape(r.preview)}</a></td>'
        f'<td class="age">{escape(r.age_text)}</td>'
        f'<td class="assignee">{escape(r.assignee or nobody)}</td>'
        "</tr>\n"
    )


def queue_rows_markup(rows: Iterable[QueueRow], review_text: str, nobody: str) -> Markup:
    """Every row of a page as one piece of markup (the template adds the empty-queue line)."""
    return Markup("".join(queue_row_markup(r, review_text, nobody) for r in rows))
