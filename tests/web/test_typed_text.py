"""Nothing typed is lost (issue 16): a refused reply or note comes back in its box with the
reason, drafts are kept per ticket and agent, limits are said (never cut), the same form sent
twice acts once, resolving a ticket that never got a reply asks first, outgoing mail trouble
is shown on the agents' pages."""
from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import sqlalchemy as sa

from builders import ticket, user
from triage import claims
from smtp import Inbox, free_port, smtp_server
from triage.models import Note, OutboxReply, Ticket, utcnow
from triage.models.workbench import Draft, FormSubmission

NOTE_LIMIT = 10_000


def _box(page: str, box_id: str) -> str:
    """The text in a textarea of the page, as the browser shows it."""
    match = re.search(rf'<textarea[^>]*id="{box_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no #{box_id} on the page"
    return html.unescape(match.group(1))


def _page(client, t: Ticket) -> str:
    response = client.get(f"/tickets/{t.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _form_key(page: str, action: str) -> str:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form for {action}"
    key = re.search(r'name="form_key" value="([^"]+)"', form.group(0))
    assert key, f"the form for {action} has no one-time key"
    return key.group(1)


def _email_ticket(session, n: int = 1) -> Ticket:
    # Another sender per n: one sender's mails within the thread window are one ticket.
    return ticket(session, author=f"Budi <budi{n}@example.com>", subject="Insentif", source_id=f"<typed-{n}@example.com>")


def test_a_note_over_the_limit_is_refused_with_the_limit_and_its_length_and_stays_in_its_box(client, auth, agent, session):
    t = _email_ticket(session)
    auth.login("agen1")
    long_note = ("Peserta menelepon lagi soal insentif. " * 3200)[:119_000]
    page = auth.post(f"/tickets/{t.id}/note", {"text": long_note}, follow_redirects=True).get_data(as_text=True)
    assert "Catatan terlalu panjang: 119.000 karakter, paling banyak 10.000." in page
    assert "Catatan internal disimpan." not in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Note)) == 0  # refused, never cut
    assert _box(page, "note-text") == long_note  # whole, in its box
    assert "maxlength" not in page and "119.000 dari 10.000 karakter" in page  # the browser never cuts a paste
    assert _box(_page(client, t), "note-text") == long_note  # a reload keeps it
    auth.post("/language", {"lang": "en"})
    english = auth.post(f"/tickets/{t.id}/note", {"text": long_note}, follow_redirects=True).get_data(as_text=True)
    assert "The note is too long: 119,000 characters, at most 10,000." in english
    auth.post("/language", {"lang": "id"})

    saved = auth.post(f"/tickets/{t.id}/note", {"text": long_note[:NOTE_LIMIT]}, follow_redirects=True).get_data(as_text=True)
    assert "Catatan internal disimpan." in saved
    assert session.scalars(sa.select(Note.text)).all() == [long_note[:NOTE_LIMIT].strip()]
    assert _box(saved, "note-text") == "" and session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0


def test_a_reply_over_the_limit_is_refused_and_stays_in_its_box(client, auth, agent, session, app, smtp_server):
    host, port, inbox = smtp_server
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port)
    t = _email_ticket(session)
    auth.login("agen1")
    text = "Halo Budi. " + "x" * 10_000
    page = auth.post(f"/tickets/{t.id}/reply", {"text": text}, follow_redirects=True).get_data(as_text=True)
    assert "Balasan terlalu panjang: 10.011 karakter, paling banyak 10.000." in page
    assert _box(page, "reply-text") == text and not inbox.messages
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 0


def test_a_reply_the_mail_server_rejects_comes_back_in_its_box_with_the_reason(client, auth, agent, session, app):
    t = _email_ticket(session)
    auth.login("agen1")
    ready = _box(_page(client, t), "reply-text")
    text = "Halo Budi, rekening Anda sudah kami cek."
    with smtp_server(Inbox(refuse_data="554 5.7.1 Message rejected")) as (host, port, inbox):
        app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port)
        page = auth.post(f"/tickets/{t.id}/reply", {"text": text}, follow_redirects=True).get_data(as_text=True)
    assert "Balasan tidak terkirim: Server email menolak balasan ini. (554 5.7.1 Message rejected) Teksnya dikembalikan ke kotak balasan." in page
    assert _box(page, "reply-text") == text and not inbox.messages
    page = _page(client, t)
    assert _box(page, "reply-text") == text  # a reload keeps it
    failed = session.scalars(sa.select(OutboxReply)).one()
    assert failed.status == "failed" and f'action="/outbox/{failed.id}/cancel"' in page
    # The text is back in the box: the failed copy can be dropped, so it is not sent twice.
    page = auth.post(f"/outbox/{failed.id}/cancel", follow_redirects=True).get_data(as_text=True)
    session.refresh(failed)
    assert failed.status == "cancelled" and "Balasan yang gagal dibatalkan." in page and f'id="queued-{failed.id}"' not in page
    assert _box(page, "reply-text") == text

    with smtp_server() as (host, port, inbox):  # sent once the server takes it: the draft goes
        app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port)
        page = auth.post(f"/tickets/{t.id}/reply", {"text": text}, follow_redirects=True).get_data(as_text=True)
    assert "Balasan email terkirim." in page and len(inbox.messages) == 1
    assert _box(page, "reply-text") == ready and session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0


def test_a_reply_queued_while_the_mail_server_is_down_is_shown_pending_and_the_box_is_ready_again(client, auth, agent, session, app):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    t = _email_ticket(session)
    auth.login("agen1")
    ready = _box(_page(client, t), "reply-text")
    text = "Halo Budi, mohon tunggu sebentar."
    assert client.post(f"/tickets/{t.id}/draft/reply", data={"text": text}, headers={"X-CSRFToken": auth.token}).get_json()["saved"]
    page = auth.post(f"/tickets/{t.id}/reply", {"text": text}, follow_redirects=True).get_data(as_text=True)
    row = session.scalars(sa.select(OutboxReply)).one()
    assert row.status == "pending" and "Balasan belum terkirim" in page and f'id="queued-{row.id}"' in page
    assert _box(page, "reply-text") == ready  # the text is in the outbox, not lost and not twice
    assert session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0


def test_a_reply_refused_by_a_colleagues_claim_is_kept_as_a_draft(client, auth, agent, session):
    other = user(session, "agen2")
    t = _email_ticket(session)
    t.status, t.assignee_id = "claimed", other.id
    session.commit()
    auth.login("agen1")
    refused = auth.post(f"/tickets/{t.id}/reply", {"text": "Halo Budi, saya bantu."}, follow_redirects=True).get_data(as_text=True)
    assert "Tidak diubah: tiket ini sedang ditangani oleh" in refused
    assert session.scalars(sa.select(Draft.body).where(Draft.user_id == agent.id, Draft.kind == "reply")).all() == ["Halo Budi, saya bantu."]
    claims.release(session, session.get(Ticket, t.id), other)  # the colleague lets go: the text waits in the box
    session.commit()
    assert _box(_page(client, t), "reply-text") == "Halo Budi, saya bantu."


def test_drafts_are_kept_per_ticket_and_agent_and_an_empty_box_removes_them(app, client, auth, agent, session):
    t, other_ticket = _email_ticket(session, 1), _email_ticket(session, 2)
    assert t.id != other_ticket.id
    user(session, "agen2")
    auth.login("agen1")
    url = f"/tickets/{t.id}/draft/note"
    saved = client.post(url, data={"text": "Cek rekening BNI dulu"}, headers={"X-CSRFToken": auth.token})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    assert saved.get_json()["message"].startswith("Draf tersimpan ")
    assert client.post(url, data={"text": "tanpa token"}).status_code == 400  # CSRF: the header or the field
    assert client.post(f"/tickets/{t.id}/draft/other", data={"text": "x"}, headers={"X-CSRFToken": auth.token}).status_code == 404

    page = _page(client, t)
    assert _box(page, "note-text") == "Cek rekening BNI dulu" and "Draf tersimpan " in page
    assert _box(_page(client, other_ticket), "note-text") == ""  # per ticket

    same_agent_elsewhere = type(auth)(app.test_client())  # another browser of the same agent
    same_agent_elsewhere.login("agen1")
    assert _box(_page(same_agent_elsewhere.client, t), "note-text") == "Cek rekening BNI dulu"
    colleague = type(auth)(app.test_client())
    colleague.login("agen2")
    assert _box(_page(colleague.client, t), "note-text") == ""  # nobody else sees it

    too_long = client.post(url, data={"text": "x" * (NOTE_LIMIT + 1)}, headers={"X-CSRFToken": auth.token})
    assert too_long.status_code == 413 and "paling banyak 10.000" in too_long.get_json()["message"]
    assert _box(_page(client, t), "note-text") == "Cek rekening BNI dulu"  # the last good one stays

    cleared = client.post(url, data={"text": "  "}, headers={"X-CSRFToken": auth.token})
    assert cleared.status_code == 200 and cleared.get_json()["saved"] is False
    assert session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0


def test_the_same_note_form_sent_twice_stores_one_note(client, auth, agent, session):
    t = _email_ticket(session)
    auth.login("agen1")
    key = _form_key(_page(client, t), f"/tickets/{t.id}/note")
    first = auth.post(f"/tickets/{t.id}/note", {"text": "Sudah dicek.", "form_key": key}, follow_redirects=True)
    again = auth.post(f"/tickets/{t.id}/note", {"text": "Sudah dicek.", "form_key": key}, follow_redirects=True)
    assert "Catatan internal disimpan." in first.get_data(as_text=True) and "Catatan internal disimpan." in again.get_data(as_text=True)
    assert session.scalars(sa.select(Note.text)).all() == ["Sudah dicek."]
    # An autosave of the box that reaches the server after its form was done puts no draft back.
    late = client.post(f"/tickets/{t.id}/draft/note", data={"text": "Sudah dicek.", "form_key": key}, headers={"X-CSRFToken": auth.token})
    assert late.get_json()["saved"] is False and session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    other_key = _form_key(_page(client, t), f"/tickets/{t.id}/note")  # every page gives a fresh key
    assert other_key != key
    auth.post(f"/tickets/{t.id}/note", {"text": "Sudah dicek.", "form_key": other_key})
    assert len(session.scalars(sa.select(Note.text)).all()) == 2


def test_a_refused_note_keeps_its_key_free_for_the_corrected_form(client, auth, agent, session):
    t = _email_ticket(session)
    auth.login("agen1")
    key = _form_key(_page(client, t), f"/tickets/{t.id}/note")
    auth.post(f"/tickets/{t.id}/note", {"text": "x" * (NOTE_LIMIT + 1), "form_key": key})
    auth.post(f"/tickets/{t.id}/note", {"text": "Pendek saja.", "form_key": key})
    assert session.scalars(sa.select(Note.text)).all() == ["Pendek saja."]


def test_the_same_note_form_sent_at_once_from_eight_threads_stores_one_note(app, auth, agent, session):
    t = _email_ticket(session)
    senders = []
    for _ in range(8):
        sender = type(auth)(app.test_client())
        sender.login("agen1")
        senders.append(sender)
    key = "the-same-one-time-key-in-every-request"
    start = threading.Barrier(len(senders))
    codes: list[int] = []

    def press(sender) -> None:
        start.wait()
        codes.append(sender.post(f"/tickets/{t.id}/note", {"text": "Diklik berkali-kali.", "form_key": key}).status_code)

    threads = [threading.Thread(target=press, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [302] * len(senders)  # every press ends as an ordinary success
    assert session.scalars(sa.select(Note.text)).all() == ["Diklik berkali-kali."]
    assert session.scalars(sa.select(FormSubmission.action)).all() == ["note"]


def test_the_same_reply_form_sent_twice_sends_one_mail(client, auth, agent, session, app, smtp_server):
    host, port, inbox = smtp_server
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port)
    t = _email_ticket(session)
    auth.login("agen1")
    key = _form_key(_page(client, t), f"/tickets/{t.id}/reply")
    for _ in range(2):
        auth.post(f"/tickets/{t.id}/reply", {"text": "Halo Budi.", "form_key": key})
    assert len(inbox.messages) == 1 and session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 1


def test_resolving_a_ticket_that_never_got_a_reply_asks_first(client, auth, agent, session):
    t = _email_ticket(session)
    auth.login("agen1")
    key = _form_key(_page(client, t), f"/tickets/{t.id}/resolve")
    asked = auth.post(f"/tickets/{t.id}/resolve", {"form_key": key})
    assert asked.status_code == 200
    question = asked.get_data(as_text=True)
    assert "Tiket ini belum pernah dibalas. Selesaikan tanpa balasan?" in question
    assert 'name="confirm" value="1"' in question and f'href="/tickets/{t.id}"' in question  # confirm, or cancel
    session.refresh(t)
    assert t.status == "open"
    auth.post("/language", {"lang": "en"})
    assert "This ticket has never been answered. Resolve it without a reply?" in auth.post(f"/tickets/{t.id}/resolve").get_data(as_text=True)
    auth.post("/language", {"lang": "id"})

    done = auth.post(f"/tickets/{t.id}/resolve", {"form_key": key, "confirm": "1"}, follow_redirects=True)
    assert "Tiket diselesaikan." in done.get_data(as_text=True)
    session.refresh(t)
    assert t.status == "resolved"


def test_a_ticket_with_a_reply_queued_or_sent_is_resolved_without_asking(client, auth, agent, session, app):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    queued, answered = _email_ticket(session, 1), _email_ticket(session, 2)
    assert queued.id != answered.id
    answered.first_response_at = utcnow()
    session.commit()
    auth.login("agen1")
    auth.post(f"/tickets/{queued.id}/reply", {"text": "Halo Budi, mohon tunggu."})  # the server is down: queued
    for t in (queued, answered):
        assert auth.post(f"/tickets/{t.id}/resolve").status_code == 302
        session.refresh(t)
        assert t.status == "resolved"


def test_the_pages_say_when_outgoing_mail_is_not_configured_or_failing(client, auth, agent, session, app):
    t = _email_ticket(session)
    auth.login("agen1")
    assert 'id="mail-banner"' not in _page(client, t)  # nothing waits, a host is set: nothing to say

    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="")
    app.extensions.pop("triage.memo", None)  # the banner's state is kept a few seconds per process
    page = _page(client, t)
    assert 'data-mail="not configured"' in page and "Email keluar belum diatur" in page
    assert "Email keluar belum diatur" in client.get("/").get_data(as_text=True)  # the queue too

    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    auth.post(f"/tickets/{t.id}/reply", {"text": "Halo Budi."})  # unreachable: queued with its error
    app.extensions.pop("triage.memo", None)
    page = _page(client, t)
    assert 'data-mail="failing"' in page and 'data-reason="unreachable"' in page
    assert "Email keluar bermasalah: Server email tidak bisa dihubungi. (ConnectionRefusedError)" in page
    auth.post("/language", {"lang": "en"})
    assert "Outgoing mail is failing: The mail server could not be reached. (ConnectionRefusedError)" in _page(client, t)

    session.execute(sa.update(OutboxReply).values(last_error=None, created_at=utcnow() - timedelta(hours=1)))
    session.commit()
    app.extensions.pop("triage.memo", None)
    assert 'data-reason="waiting_too_long"' in _page(client, t)


def test_refusals_read_in_the_interface_language_without_english_inside(client, auth, supervisor, session):
    auth.login("supervisor1")
    page = auth.post("/supervisor/replies/missing_incentive", {"body": "Halo {nama}"}, follow_redirects=True).get_data(as_text=True)
    assert "Tidak disimpan: Placeholder tidak dikenal: {nama}." in page and "unknown placeholders" not in page
    t = ticket(session)
    page = auth.post(f"/tickets/{t.id}/note", {"text": "   "}, follow_redirects=True).get_data(as_text=True)
    assert "Catatan masih kosong." in page and "a note needs text" not in page
    auth.post("/language", {"lang": "en"})
    page = auth.post(f"/tickets/{t.id}/note", {"text": "   "}, follow_redirects=True).get_data(as_text=True)
    assert "The note is empty." in page
