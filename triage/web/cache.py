"""A short-lived per-process memo for figures that change slowly but cost a scan at scale.

Each gunicorn worker keeps its own; a figure is at most `seconds` old. Used for the
queue header's ticket counts and the dashboard's 30-day history (daily flow, medians);
the live backlog figures are never cached. `due` throttles take-next's claim upkeep the
same way; `kept_days` holds the past days of the dashboard history (exact: see
triage.history). Tests run all three as production does.
"""
from __future__ import annotations

import threading
from datetime import date
from time import monotonic
from typing import Callable, TypeVar

from flask import current_app

from triage.history import DayFigures

T = TypeVar("T")
_LOCK = threading.Lock()


def kept_days() -> dict[date, DayFigures]:
    """This process's past days of the dashboard history (triage.history.history's `kept`)."""
    return current_app.extensions.setdefault("triage.kept_days", {})


def memo(key: str, seconds: float, compute: Callable[[], T]) -> T:
    """The value computed for `key` within the last `seconds`, else compute it now (once per process)."""
    store = current_app.extensions.setdefault("triage.memo", {})
    locks = current_app.extensions.setdefault("triage.memo_locks", {})
    hit = store.get(key)
    if hit is not None and monotonic() - hit[0] < seconds:
        return hit[1]
    with _LOCK:
        lock = locks.setdefault(key, threading.Lock())
    with lock:  # one thread computes, the others wait for its value
        hit = store.get(key)
        if hit is not None and monotonic() - hit[0] < seconds:
            return hit[1]
        value = compute()
        store[key] = (monotonic(), value)
        return value


def due(key: str, seconds: float) -> bool:
    """True at most once per `seconds` per process for `key`."""
    store = current_app.extensions.setdefault("triage.due", {})
    now = monotonic()
    with _LOCK:
        if now - store.get(key, float("-inf")) < seconds:
            return False
        store[key] = now
        return True
