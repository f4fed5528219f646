"""The one shape of every source: a name for its runs and cursors, and the items of one run.

The runner (triage/ingest/runner.py) drives any source alike: it loads the source's
cursors, reads its items into the pipeline in committed batches and records the run. A
source knows nothing of the database, the pipeline or the classifier.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Optional

from triage.records import SourceItem

# The positions a source committed last, by cursor name: the source's own name, or its name,
# a colon and a part (e.g. "instagram:<profile>:post:<shortcode>").
Cursors = Mapping[str, dict]


class Source:
    """One run of a source; subclasses set `name` and give `items`."""

    name: str  # recorded on the source's runs and on what it quarantines

    def items(self, cursors: Cursors) -> Iterator[SourceItem]:
        """Records, Rejected inputs and CursorMarks, from the committed `cursors` on."""
        raise NotImplementedError

    def requests_made(self) -> int:
        """Requests sent so far, for a source that pays per request; stored with every commit."""
        return 0

    def detail(self) -> dict[str, object]:
        """What the source adds to its run's summary (e.g. the posts it scanned)."""
        return {}

    def ended(self, status: str, error: Optional[str]) -> None:
        """Hear how the run ended ("ok", "stopped" or "failed"), once it is recorded."""


class Items(Source):
    """Items already in hand (files, a data set) under a name: no cursors, nothing to tell."""

    def __init__(self, name: str, given: Iterable[SourceItem]) -> None:
        self.name, self.given = name, given

    def items(self, cursors: Cursors) -> Iterator[SourceItem]:
        yield from self.given

