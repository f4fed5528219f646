"""A ticket a reply moved to another category says so in its timeline, with the reason, in the
viewer's language."""
from __future__ import annotations

import re
from datetime import timedelta

from builders import T0, record
from triage.classifier import Prediction
from triage.pipeline import PipelineConfig, process_batch


class ByText:
    name, version, threshold = "by-text", "test", 0.5

    def predict(self, texts):
        label, conf = ("certificate_pending", 0.97) if any("sertifikat" in t for t in texts) else ("missing_incentive", 0.95)
        return [Prediction(label, conf, ((label, conf),), False) for _ in texts]


def _timeline(client, ticket_id: int) -> list[str]:
    html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    timeline = re.search(r'<details class="timeline" id="timeline" open>(.*?)</details>', html, re.S).group(1)
    return [" ".join(s.split()) for s in re.findall(r"<span>(.*?)</span></li>", timeline, re.S)]


def test_the_timeline_tells_that_a_reply_moved_the_ticket_and_why(client, auth, agent, session):
    first = record(source_id="<a@x>", author="ani@example.com", text="Insentif saya belum masuk.", sent_at=T0)
    reply = record(source_id="<b@x>", author="ani@example.com", in_reply_to="<a@x>", text="sertifikat saya juga tidak ada",
                   sent_at=T0 + timedelta(hours=1))  # fmt: skip
    ticket_id = process_batch(session, [first], ByText(), PipelineConfig())[0].ticket_id
    process_batch(session, [reply], ByText(), PipelineConfig())
    session.commit()
    auth.login("agen1")
    assert _timeline(client, ticket_id) == [
        "Kategori dipindah dari Insentif belum masuk ke Sertifikat belum terbit: balasan peserta jelas membahas "
        "hal lain (keyakinan model 97%), mohon diperiksa"
    ]
    auth.post("/language", {"lang": "en", "next": "/"})
    assert _timeline(client, ticket_id) == [
        "Category moved from Incentive not received to Certificate pending: the participant's reply is clearly "
        "about something else (model confidence 97%), please check"
    ]
