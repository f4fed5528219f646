"""The interface languages and the one a request is served in."""
from __future__ import annotations

from flask import session

LANGUAGES = ("id", "en")


def select_locale() -> str:
    """Bahasa Indonesia unless the user picked English (kept in the session)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "id"
