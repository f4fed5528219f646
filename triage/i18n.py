"""The interface's message catalogs, for code that speaks to people outside a web request.

The web pages get the same catalogs through Flask-Babel; services that produce text (a group's
name, a surge alert) take a language code or a gettext and look their words up here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Union

from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"  # BABEL_TRANSLATION_DIRECTORIES
DEFAULT_LANGUAGE = "id"  # the msgids are Indonesian

Gettext = Callable[[str], str]
# What a text-producing service takes: a language code ("id", "en") or a catalog's gettext.
Language = Union[str, Gettext]


@lru_cache(maxsize=8)
def catalog(lang: str) -> Translations:
    """The language's message catalog, the one Flask-Babel serves the pages from."""
    return Translations.load(str(TRANSLATIONS), [lang])


def gettext_for(language: Language) -> Gettext:
    """A gettext for a language code, or the gettext given."""
    return catalog(language).gettext if isinstance(language, str) else language
