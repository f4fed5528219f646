"""Text every database can hold: records pass here once, as they enter the pipeline.

UTF-8 has no encoding for a lone UTF-16 surrogate (half an emoji, e.g. a JSON "\\ud83d" or
a UTF-7 "+2D0-"), so SQLite's and PostgreSQL's drivers refuse it, and PostgreSQL refuses NUL
in text and JSON. One such character used to fail the whole batch and every rerun after it.
"""
from __future__ import annotations

import hashlib
from typing import Any

from triage.records import InboundRecord

NUL_REMOVED, SURROGATES_REPLACED = "nul_removed", "surrogates_replaced"
# Where a record's meta says which fields were changed, and how.
NOTE = "unstorable_characters"


def _has_surrogates(value: str) -> bool:
    if value.isascii():  # O(1) in CPython: most values stop here
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storable(value: str) -> str:
    """The text without NUL, lone surrogates as U+FFFD (a pair written apart becomes its character).

    Returns `value` itself when nothing needed changing."""
    if _has_surrogates(value):
        # UTF-16 with surrogatepass keeps every code unit; decoding pairs them again and
        # replaces the ones left alone.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value.replace("\x00", "") if "\x00" in value else value


def storable_id(value: str) -> str:
    """An id made storable that stays as distinct as the original: once changed, it carries
    a hash of what it was, so "<a\\ud83d@x>" and "<a\\udce9@x>" stay two messages, and a
    reply naming the original id is given the same value."""
    clean = storable(value)
    if clean is value:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{clean}~{digest}"


def _problems(value: str) -> tuple[str, ...]:
    return ((NUL_REMOVED,) if "\x00" in value else ()) + ((SURROGATES_REPLACED,) if _has_surrogates(value) else ())


def storable_json(value: Any) -> Any:
    """A JSON value with every string (keys too) made storable; `value` itself if unchanged."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        pairs = [(storable_json(k), storable_json(v)) for k, v in value.items()]  # each cleaned once
        if all(ck is k and cv is v for (ck, cv), (k, v) in zip(pairs, value.items())):
            return value
        return dict(pairs)
    if isinstance(value, (list, tuple)):
        items = [storable_json(v) for v in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return type(value)(items)
    return value


def _strings(value: Any, out: list[str]) -> None:
    """Every string inside a JSON value (keys too), appended to `out`."""
    if isinstance(value, str):
        out.append(value)
        return
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, (dict, list, tuple)):
                _strings(item, out)


# The record's fields that hold text, by kind (a test checks that every field is named).
# Ids must stay as distinct as they were: a replay must still find its message, a reply
# the message it answers.
TEXT_FIELDS = ("channel", "source_id", "author", "text", "direction")
OPTIONAL_TEXT_FIELDS = ("subject", "author_name", "in_reply_to", "raw_ref")
CONTAINER_FIELDS = ("references", "meta")
# Attached files: bytes stored as they are; their names are made storable where the files are
# stored (triage.attachments.file_rows).
BINARY_FIELDS = ("files",)
_FIELDS = TEXT_FIELDS + OPTIONAL_TEXT_FIELDS + CONTAINER_FIELDS
_ID_FIELDS = frozenset({"source_id", "in_reply_to", "references"})


def _plainly_storable(record: InboundRecord) -> bool:
    """One check of all the record's strings at once, for the records with nothing to change."""
    strings = [record.channel, record.source_id, record.author, record.text, record.direction, *record.references]
    strings += [v for v in (record.subject, record.author_name, record.in_reply_to, record.raw_ref) if v is not None]
    if record.meta:
        _strings(record.meta, strings)
    joined = "".join(strings)
    return "\x00" not in joined and not _has_surrogates(joined)


def _storable_field(value: Any, is_id: bool) -> Any:
    if not is_id:
        return storable_json(value)
    if isinstance(value, str):
        return storable_id(value)
    if isinstance(value, (list, tuple)):
        ids = [storable_id(v) if isinstance(v, str) else v for v in value]
        return value if all(new is old for new, old in zip(ids, value)) else type(value)(ids)
    return value


def make_record_storable(record: InboundRecord) -> None:
    """Make every text field of the record storable, in place, and note in its meta what changed."""
    if _plainly_storable(record):
        return
    changed: dict[str, set[str]] = {}
    for name in _FIELDS:
        value = getattr(record, name)
        clean = _storable_field(value, name in _ID_FIELDS)
        if clean is value:
            continue
        found: list[str] = []
        _strings(value, found)
        changed[name] = {problem for text in found for problem in _problems(text)}
        setattr(record, name, clean)
    if changed:
        record.meta[NOTE] = {
            problem: sorted(name for name, problems in changed.items() if problem in problems)
            for problem in (NUL_REMOVED, SURROGATES_REPLACED)
            if any(problem in problems for problems in changed.values())
        }
