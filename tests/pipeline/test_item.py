"""An item on its way to the store: the text it stores is capped, and the cap noted."""
from __future__ import annotations

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.models import Ticket
from triage.pipeline import PipelineConfig, process_batch


def ig(**kw):
    return record(channel="instagram", subject=None, **kw)


def test_long_text_is_truncated_and_noted(session):
    process_batch(session, [ig(source_id="7", text="insentif " * 20, author="x")], FixedClassifier(), PipelineConfig(max_message_chars=50))
    message = session.scalars(sa.select(Ticket)).one().messages[0]
    assert len(message.text) == 50 and message.meta["truncated_from_chars"] == 180
