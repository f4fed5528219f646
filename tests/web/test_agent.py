"""The ticket page: conversation as text, actions, replies through a real SMTP server."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from builders import T0, ticket, user
from triage import claims
from triage.models import LabelChange, Message, Note, OutboxReply, Ticket, utcnow


def test_take_next_opens_the_claimed_ticket(client, auth, agent, session):
    t = ticket(session)
    auth.login("agen1")
    response = auth.post("/take-next")
    assert response.headers["Location"] == f"/tickets/{t.id}"
    session.refresh(t)
    assert t.status == "claimed" and t.assignee_id == agent.id
    again = auth.post("/take-next", follow_redirects=True).get_data(as_text=True)
    assert "Tidak ada tiket terbuka" in again


def test_take_next_first_returns_idle_claims_to_the_queue_and_a_page_view_does_not(client, auth, agent, session, app):
    t = ticket(session)
    other = user(session, "agen2")
    idle = utcnow() - timedelta(minutes=app.config["SETTINGS"].claim_idle_minutes + 1)
    session.execute(sa.update(Ticket).where(Ticket.id == t.id).values(status="claimed", assignee_id=other.id, claimed_at=idle))
    session.commit()
    auth.login("agen1")
    assert client.get("/").status_code == 200 and client.get(f"/tickets/{t.id}").status_code == 200
    session.expire_all()
    assert session.get(Ticket, t.id).assignee_id == other.id  # GETs write nothing
    assert auth.post("/take-next").headers["Location"] == f"/tickets/{t.id}"
    session.expire_all()
    assert session.get(Ticket, t.id).assignee_id == agent.id


def test_claim_and_release_from_the_page(client, auth, agent, session):
    t, other = ticket(session, author="a@example.com"), ticket(session, author="b@example.com")
    agent.capacity = 1
    session.commit()
    auth.login("agen1")
    assert auth.post(f"/tickets/{t.id}/claim").headers["Location"] == f"/tickets/{t.id}"
    session.refresh(t)
    assert (t.status, t.assignee_id) == ("claimed", agent.id)
    assert "Tiket ini tidak lagi terbuka." in auth.post(f"/tickets/{t.id}/claim", follow_redirects=True).get_data(as_text=True)
    assert "Kapasitas Anda sudah penuh." in auth.post(f"/tickets/{other.id}/claim", follow_redirects=True).get_data(as_text=True)
    assert auth.post(f"/tickets/{t.id}/assign", {"user_id": str(agent.id)}).status_code == 403  # supervisors assign
    assert auth.post(f"/tickets/{t.id}/nonsense").status_code == 404
    auth.post(f"/tickets/{t.id}/release")
    session.refresh(t)
    session.refresh(other)
    assert (t.status, t.assignee_id, other.status) == ("open", None, "open")


def test_a_supervisor_assigns_a_ticket_held_by_another_agent(client, auth, agent, supervisor, session):
    t = ticket(session)
    claims.assign(session, t, user(session, "agen2"), None)
    session.commit()
    auth.login("supervisor1")
    assert "Agen tidak ditemukan." in auth.post(f"/tickets/{t.id}/assign", {"user_id": "999"}, follow_redirects=True).get_data(as_text=True)
    auth.post(f"/tickets/{t.id}/assign", {"user_id": str(agent.id)})
    session.refresh(t)
    assert (t.status, t.assignee_id) == ("claimed", agent.id)


def test_viewing_keeps_only_the_holders_claim_alive(client, auth, agent, session):
    mine, theirs = ticket(session, author="a@example.com"), ticket(session, author="b@example.com")
    other = user(session, "agen2")
    old = utcnow() - timedelta(minutes=10)
    session.execute(sa.update(Ticket).where(Ticket.id == mine.id).values(status="claimed", assignee_id=agent.id, claimed_at=old))
    session.execute(sa.update(Ticket).where(Ticket.id == theirs.id).values(status="claimed", assignee_id=other.id, claimed_at=old))
    session.commit()
    auth.login("agen1")
    assert client.get(f"/tickets/{mine.id}").status_code == 200
    assert client.get(f"/tickets/{theirs.id}").status_code == 200
    session.expire_all()
    assert session.get(Ticket, mine.id).claimed_at > old + timedelta(minutes=9)
    assert session.get(Ticket, theirs.id).claimed_at == old


def test_conversation_oldest_first_with_note_and_other_tickets(client, auth, agent, session):
    t = ticket(session, author="x@example.com", text="pesan pertama", sent_at=T0)
    ticket(session, author="x@example.com", text="pesan kedua", sent_at=T0 + timedelta(hours=1))
    other = ticket(session, "registration", author="x@example.com", text="daftar", sent_at=T0 - timedelta(days=10))
    auth.login("agen1")
    auth.post(f"/tickets/{t.id}/note", {"text": "sudah cek ke BNI"})
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert html.index("pesan pertama") < html.index("pesan kedua") < html.index("sudah cek ke BNI")
    assert f'href="/tickets/{other.id}"' in html
    assert session.scalar(sa.select(Note.text)) == "sudah cek ke BNI"


def test_relabel_from_the_page_is_feedback(client, auth, agent, session):
    t = ticket(session, "other", 0.3)
    auth.login("agen1")
    auth.post(f"/tickets/{t.id}/relabel", {"label": "certificate_pending"})
    change = session.scalars(sa.select(LabelChange)).one()
    assert (change.from_label, change.to_label, change.user_id) == ("other", "certificate_pending", agent.id)
    session.refresh(t)
    assert t.label_source == "agent" and not t.needs_review


def test_email_reply_goes_through_smtp(client, auth, agent, session, app, smtp_server):
    host, port, inbox = smtp_server
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port)
    t = ticket(session, author="Budi <budi@example.com>", subject="Insentif", source_id="<a1@example.com>")
    auth.login("agen1")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "Halo Budi, terima kasih" in page  # the ready reply is the draft
    done = auth.post(f"/tickets/{t.id}/reply", {"text": "Halo Budi, rekening BNI Anda perlu diaktifkan."}, follow_redirects=True)
    assert "Balasan email terkirim." in done.get_data(as_text=True)
    assert len(inbox.messages) == 1 and inbox.messages[0][2]["In-Reply-To"] == "<a1@example.com>"
    out = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert out.text == "Halo Budi, rekening BNI Anda perlu diaktifkan."
    row = session.scalars(sa.select(OutboxReply)).one()  # through the outbox, sent at once
    assert (row.status, row.message_id, row.author_id) == ("sent", inbox.messages[0][2]["Message-ID"], agent.id)
    assert 'id="queued-' not in done.get_data(as_text=True)


def test_a_reply_while_the_mail_server_is_down_stays_queued_and_the_page_says_why(client, auth, agent, session, app, settings):
    from smtp import free_port, smtp_server
    from triage import outbox_sender

    port = free_port()
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_seconds=2)
    t = ticket(session, author="Budi <budi@example.com>", subject="Insentif", source_id="<a2@example.com>")
    auth.login("agen1")
    page = auth.post(f"/tickets/{t.id}/reply", {"text": "Halo Budi, mohon tunggu."}, follow_redirects=True).get_data(as_text=True)
    assert "Balasan disimpan di antrean dan dikirim otomatis begitu server email bisa: Server email tidak bisa dihubungi." in page
    row = session.scalars(sa.select(OutboxReply)).one()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "unreachable: ConnectionRefusedError")
    assert f'id="queued-{row.id}" data-status="pending"' in page and "Halo Budi, mohon tunggu." in page  # the text is kept
    assert "Server email tidak bisa dihubungi. (ConnectionRefusedError)" in page
    auth.post("/language", {"lang": "en"})
    english = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "The mail server could not be reached. (ConnectionRefusedError)" in english and ">queued<" in english
    auth.post("/language", {"lang": "id"})
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.direction == "outbound")) == 0

    with smtp_server(port=port) as (_, _, inbox):  # the server is back: the scheduler's sender takes it
        session.execute(sa.update(OutboxReply).values(next_attempt_at=utcnow()))
        session.commit()
        assert outbox_sender.send_due(session, app.config["SETTINGS"], "job").sent == 1
    assert inbox.message_ids() == {row.message_id: 1}
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert 'id="queued-' not in page and "Halo Budi, mohon tunggu." in page  # now in the conversation


def test_instagram_ticket_gives_text_and_link(client, auth, agent, session):
    t = ticket(session, channel="instagram", author="sinta_99", subject=None, source_id="ig-5", raw_ref="https://www.instagram.com/p/XYZ/")
    auth.login("agen1")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert 'href="https://www.instagram.com/p/XYZ/"' in html and "Tandai sudah dibalas" in html
    auth.post(f"/tickets/{t.id}/answered", {"text": "Halo @sinta_99"})
    session.refresh(t)
    assert t.first_response_at is not None
    assert session.scalars(sa.select(OutboxReply.status)).all() == ["sent"]  # every reply is an outbox row


def test_an_instagram_answer_queued_for_the_group_is_posted_from_the_ticket_page(client, auth, agent, session):
    from triage import outbox

    t = ticket(session, channel="instagram", author="sinta_99", subject=None, source_id="ig-6", raw_ref="https://www.instagram.com/p/XYZ/")
    row = outbox.enqueue_instagram_answer(session, t, agent, "Halo @sinta_99, insentif diproses.")
    session.commit()
    auth.login("agen1")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert f'id="queued-{row.id}" data-status="pending"' in html and "menunggu diposting" in html
    assert f'action="/outbox/{row.id}/posted"' in html
    done = auth.post(f"/outbox/{row.id}/posted", follow_redirects=True).get_data(as_text=True)
    assert "Jawaban ditandai sudah diposting di Instagram." in done and f'id="queued-{row.id}"' not in done
    assert session.get(OutboxReply, row.id, populate_existing=True).status == "sent"
    assert "Jawaban ini sudah ditandai diposting." in auth.post(f"/outbox/{row.id}/posted", follow_redirects=True).get_data(as_text=True)
    assert "Balasan masih kosong." in auth.post(f"/tickets/{t.id}/answered", {"text": "  "}, follow_redirects=True).get_data(as_text=True)
    assert auth.post("/outbox/999/posted").status_code == 404


def test_resolve_reopen_noise_merge(client, auth, agent, session):
    a = ticket(session, author="a@example.com")
    b = ticket(session, "other", author="b@example.com")
    auth.login("agen1")
    auth.post(f"/tickets/{a.id}/resolve", {"confirm": "1"})  # never answered: resolved once confirmed
    session.refresh(a)
    assert a.status == "resolved"
    auth.post(f"/tickets/{a.id}/reopen")
    session.refresh(a)
    assert a.status == "open"
    response = auth.post(f"/tickets/{b.id}/merge", {"target": f"#{a.id}"})
    assert response.headers["Location"] == f"/tickets/{a.id}"
    session.refresh(b)
    assert b.merged_into_id == a.id
    auth.post(f"/tickets/{a.id}/noise")
    session.refresh(a)
    assert a.status == "noise"


def test_another_agents_claim_is_respected(client, auth, agent, session):
    other = user(session, "agen2")
    t = ticket(session)
    t.status, t.assignee_id = "claimed", other.id
    session.commit()
    auth.login("agen1")
    response = auth.post(f"/tickets/{t.id}/resolve")
    assert (response.status_code, response.headers["Location"]) == (302, f"/tickets/{t.id}")  # back, saying who (test_collisions)
    session.refresh(t)
    assert t.status == "claimed"


def test_a_correction_and_an_edit_are_marked_on_the_ticket_in_both_languages(client, auth, agent, session):
    from builders import FixedClassifier, record
    from triage.pipeline import PipelineConfig, process_batch

    def store(**values):
        outcome = process_batch(session, [record(**values)], FixedClassifier(), PipelineConfig())[0]
        session.commit()
        return outcome

    mail = store(source_id="<k1@example.com>", text="insentif belum masuk")
    fix = store(source_id="<k1@example.com>", text="ralat: insentif bulan kedua belum masuk")
    reused = store(source_id="<k1@example.com>", author="lain@example.net", text="saldo pelatihan sisa")
    comment = store(channel="instagram", author="sinta_99", subject=None, source_id="1801", text="saldo sisa 300rb")
    edit = store(channel="instagram", author="sinta_99", subject=None, source_id="1801", text="saldo sisa 350rb")
    assert fix.ticket_id == mail.ticket_id and edit.ticket_id == comment.ticket_id != reused.ticket_id
    auth.login("agen1")

    def marks(ticket_id):
        html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
        return re.findall(r'<span class="badge mark" data-mark="([a-z_]+)"[^>]*>([^<]+)</span>', html), html

    found, html = marks(mail.ticket_id)
    assert found == [("correction", "koreksi")]
    assert html.index("insentif belum masuk") < html.index("koreksi") < html.index("ralat: insentif bulan kedua")
    assert marks(comment.ticket_id)[0] == [("edit", "disunting")]
    assert marks(reused.ticket_id)[0] == [("id_reused", "ID dipakai ulang")]
    auth.post("/language", {"lang": "en", "next": "/"})
    assert marks(mail.ticket_id)[0] == [("correction", "correction")]
    assert marks(comment.ticket_id)[0] == [("edit", "edited")]
    assert marks(reused.ticket_id)[0] == [("id_reused", "reused id")]


def test_a_reply_to_another_persons_message_shows_it_as_context_masked_in_both_languages(client, auth, agent, session):
    """Budi's "sama min" under Ani's comment is Budi's ticket; its page quotes Ani's comment as
    text, with her numbers masked even once Budi's ticket is revealed (her ticket audits hers)."""
    from builders import FixedClassifier, record
    from triage.pipeline import PipelineConfig, process_batch

    ig = dict(channel="instagram", subject=None)
    outcomes = process_batch(session, [
        record(source_id="1901", author="ani", text="<b>insentif</b> blm masuk, hp 081234567890", sent_at=T0, **ig),
        record(source_id="1902", author="budi", text="sama min", in_reply_to="1901", sent_at=T0 + timedelta(minutes=1), **ig),
        record(source_id="<m1@x>", author="ani.wulan@example.com", sent_at=T0),
        record(source_id="<m2@x>", author="tono@example.com", in_reply_to="<m1@x>", sent_at=T0 + timedelta(minutes=1)),
        record(source_id="<o1@x>", author="bantuan@prakerja.example", direction="outbound", text="Halo, ini balasan kami", sent_at=T0),
        record(source_id="<p1@x>", author="rina@example.com", in_reply_to="<o1@x>", sent_at=T0 + timedelta(minutes=2)),
    ], FixedClassifier(), PipelineConfig())
    session.commit()
    ani, budi, ani_mail, tono, ours, rina = (o.ticket_id for o in outcomes)
    assert len({ani, budi, ani_mail, tono, ours, rina}) == 6
    auth.login("agen1")

    def context(ticket_id):
        html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
        found = re.search(r'<p class="context" data-context-ticket="(\d+)">\s*(.*?)\s*<q class="context-text">(.*?)</q>', html, re.S)
        return (int(found.group(1)), found.group(2), found.group(3)) if found else None, html

    found, html = context(budi)
    assert found == (ani, "Membalas komentar @ani:", "&lt;b&gt;insentif&lt;/b&gt; blm masuk, hp 0812****7890")
    assert "081234567890" not in html and "<b>insentif" not in html and f'href="/tickets/{ani}"' in html
    assert context(ani)[0] is None
    assert context(tono)[0] == (ani_mail, "Membalas email an***@example.com:", "Insentif saya belum masuk padahal sertifikat sudah terbit.")
    assert context(rina)[0] == (ours, "Membalas balasan kami:", "Halo, ini balasan kami")
    auth.post(f"/tickets/{budi}/reveal")
    found, html = context(budi)
    assert found[2].endswith("hp 0812****7890") and "081234567890" not in html
    auth.post("/language", {"lang": "en", "next": "/"})
    assert context(budi)[0][1] == "Replying to @ani's comment:"
    assert context(tono)[0][1] == "Replying to an***@example.com's email:"
    assert context(rina)[0][1] == "Replying to our reply:"
