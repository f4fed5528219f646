"""The ticket page shows what the source could not tell: a time that is the import time, an
author Instagram did not name (issue 13, item 7)."""
from __future__ import annotations

from builders import ticket
from triage.ingest.instagram_comments import PostRef, comment_record


def test_a_message_whose_time_is_the_import_time_says_so(client, auth, agent, session):
    flagged = ticket(session, author="a@example.com", text="tanggal tidak terbaca", meta={"date_missing": True})
    plain = ticket(session, author="b@example.com", text="tanggal biasa")
    auth.login("agen1")
    html = client.get(f"/tickets/{flagged.id}").get_data(as_text=True)
    assert 'class="time-unknown"' in html and "waktu impor" in html
    assert 'class="time-unknown"' not in client.get(f"/tickets/{plain.id}").get_data(as_text=True)


def test_an_instagram_comment_without_author_shows_an_unknown_author(client, auth, agent, session):
    post = PostRef("prakerja.go.id", "DCHYdzCIT4B")
    record = comment_record(comment_id=18_900_000_000_000_777, created_at=None, text="insentif belum masuk min",
                            username="", full_name=None, post=post, parent_id=None, root_id=None, own_accounts=(), raw={})
    t = ticket(session, **{k: getattr(record, k) for k in ("channel", "source_id", "author", "text", "sent_at", "raw_ref", "meta")})
    auth.login("agen1")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "(tanpa nama)" in html and 'class="time-unknown"' in html
    auth.post("/language", {"lang": "en", "next": "/"})
    english = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "(no name)" in english and "import time" in english


def test_a_mail_whose_subject_is_its_text_shows_it_once(client, auth, agent, session):
    """An empty body under a subject is stored with the subject as its text (issue 13, item 6):
    the conversation shows that line once, not as a subject and again as the text."""
    line = "Sertifikat belum terbit padahal sudah kasih ulasan"
    t = ticket(session, author="siti@example.com", subject=line, text=line, meta={"text_from_subject": True})
    auth.login("agen1")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    conversation = html[html.index("<h2"):]  # the title above it names the subject too
    assert conversation.count(line) == 1
