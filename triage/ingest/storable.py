"""Text every database can hold: records pass here once, as they enter the pipeline.

UTF-8 has no encoding for a lone UTF-16 surrogate (half an emoji, e.g. a JSON "\\ud83d" or
a UTF-7 "+2D0-"), so SQLite's and PostgreSQL's drivers refuse it, and PostgreSQL refuses NUL
in text and JSON. One such character used to fail the whole batch and every rerun after it.
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional

from triage.ingest.record import InboundRecord

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
        items = [(storable_json(k), storable_json(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items())):
            return value
        return dict(items)
    if isinstance(value, (list, tuple)):
        values = [storable_json(v) for v in value]
        return value if all(v is v0 for v, v0 in zip(values, value)) else type(value)(values)
    return value


def _json_problems(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.update(_problems(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _json_problems(key, found)
            _json_problems(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _json_problems(item, found)


_TEXT_FIELDS = ("channel", "author", "text", "subject", "author_name", "raw_ref", "direction")
_ID_FIELDS = ("source_id", "in_reply_to")


def _plainly_storable(record: InboundRecord) -> bool:
    """One check of all the record's strings at once, for the records with nothing to change."""
    strings = [record.channel, record.source_id, record.author, record.text, record.direction, *record.references]
    strings += [v for v in (record.subject, record.author_name, record.in_reply_to, record.raw_ref) if v is not None]
    nested = False
    for key, value in record.meta.items():
        strings.append(key)
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, (dict, list, tuple)):
            nested = True
    joined = "".join(strings)
    if "\x00" in joined or _has_surrogates(joined):
        return False
    return not nested or storable_json(record.meta) is record.meta


def make_record_storable(record: InboundRecord) -> None:
    """Make every text field of the record storable, in place, and note in its meta what changed."""
    if _plainly_storable(record):
        return
    changed: dict[str, tuple[str, ...]] = {}
    for name in _TEXT_FIELDS + _ID_FIELDS:
        value: Optional[str] = getattr(record, name)
        if value is None:
            continue
        clean = storable_id(value) if name in _ID_FIELDS else storable(value)
        if clean is not value:
            changed[name] = _problems(value)
            setattr(record, name, clean)
    references = tuple(storable_id(ref) for ref in record.references)
    if any(new is not old for new, old in zip(references, record.references)):
        changed["references"] = tuple({p for ref in record.references for p in _problems(ref)})
        record.references = references
    meta = storable_json(record.meta)
    if meta is not record.meta:
        found: set[str] = set()
        _json_problems(record.meta, found)
        changed["meta"] = tuple(found)
        record.meta = meta
    if changed:
        record.meta[NOTE] = {
            problem: sorted(name for name, problems in changed.items() if problem in problems)
            for problem in (NUL_REMOVED, SURROGATES_REPLACED)
            if any(problem in problems for problems in changed.values())
        }
