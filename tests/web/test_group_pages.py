"""The group pages: surges on the dashboard, one group's page and its changes, answering a whole
group (preview, send once, progress, the Instagram by-hand list), and the ticket's member line."""
from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from builders import record, surge, user, FixedClassifier
from triage import outbox_sender, replies
from triage.models import AuditEvent, GroupExclusion, GroupSend, OutboxReply, Ticket, TicketGroup, utcnow
from triage.pipeline import PipelineConfig, process_batch
from triage.tickets import mask_handle

NAME = "Insentif belum masuk · gelombang 48 · bulan ke-3 · LinkAja"
OTHER_TEXTS = ("Insentif bulan ke-2 gelombang 50 belum masuk ke OVO saya.", "Min, insentif kedua gel 50 di OVO belum cair.")


def group_of(session, ticket_id: int) -> TicketGroup:
    session.expire_all()
    return session.get(TicketGroup, session.get(Ticket, ticket_id).group_id)


def actions(session, action: str) -> list[AuditEvent]:
    return session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def html_of(response) -> str:
    return response.get_data(as_text=True)


def flash(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash flash-\w+" role="status">(.*?)</p>', html, re.S)]


def test_dashboard_shows_surges_at_the_top_and_nothing_without_one(client, auth, supervisor, session):
    now = utcnow()
    surge(session, 6, now=now, texts=OTHER_TEXTS, prefix="quiet")  # a group, not a surge
    auth.login("supervisor1")
    assert 'id="surges"' not in html_of(client.get("/supervisor/"))

    ids = surge(session, 30, now=now)
    group = group_of(session, ids[0])
    assert group.surge_since is not None and group.size == 30
    html = html_of(client.get("/supervisor/"))
    assert 'id="surges"' in html and html.index('id="surges"') < html.index('class="tiles"')  # at the top
    card = html.split('id="surges"')[1].split("</section>")[0]
    assert card.count('class="surge-card"') == 1 and f'href="/groups/{group.id}"' in card
    assert NAME in unescape(card) and "30 orang sejak" in card and "melonjak sejak" in card
    line = re.search(r'<polyline points="([^"]+)" class="spark-line"', card).group(1)
    points = [tuple(map(float, p.split(","))) for p in line.split()]
    assert len(points) == 24 and min(y for _, y in points[-3:]) < min(y for _, y in points[:12])  # the rise is at the end


def test_group_page_is_for_supervisors_and_the_agent_it_is_assigned_to(client, auth, supervisor, agent, session):
    ids = surge(session, 16, now=utcnow(), email_share=0.5)
    group = group_of(session, ids[0])
    nameless = session.get(Ticket, ids[0]).contact
    nameless.display_name = None  # shown by its address, as in the queue
    session.commit()
    handle = nameless.handle
    auth.login("agen1")
    assert client.get(f"/groups/{group.id}").status_code == 403
    assert 'data-group-id' not in html_of(client.get("/groups"))
    auth.post("/logout")

    auth.login("supervisor1")
    page = html_of(client.get(f"/groups/{group.id}"))
    assert NAME in unescape(page) and handle not in page and mask_handle(handle) in page  # masked for every role (issue 18)
    assert page.count('class="member') == 16 and 'id="chart-inflow"' in page
    for part in ("gelombang 48", "bulan ke-3", "LinkAja"):
        assert f'<span class="chip">{part}</span>' in page
    assert client.get("/groups/99999").status_code == 404
    auth.post(f"/groups/{group.id}/assign", {"user_id": str(agent.id)})
    assert actions(session, "group.assigned")[-1].detail == {"group": group.id, "before": None, "after": agent.id}
    auth.post("/logout")

    auth.login("agen1")
    page = html_of(client.get(f"/groups/{group.id}"))
    assert handle not in page and mask_handle(handle) in page  # masked for the agent, as in the queue
    assert f'data-group-id="{group.id}"' in html_of(client.get("/groups"))
    assert auth.post(f"/groups/{group.id}/rename", {"name": "x"}).status_code == 403  # renaming is the supervisors'


def test_preview_fills_placeholders_for_three_members_and_brings_the_send_button(client, auth, supervisor, session):
    ids = surge(session, 15, now=utcnow())
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    page = unescape(html_of(client.get(f"/groups/{group.id}")))
    assert replies.ready_replies(session)["missing_incentive"] in page  # prefilled with the category's ready reply
    for key in ("{name}", "{wave}", "{platform}", "{payout}", "{month}", "{ticket}"):
        assert f"<code>{key}</code>" in page
    assert 'id="send-all"' not in page

    html = html_of(auth.post(f"/groups/{group.id}/preview", {"body": "Halo {name}, tiket #{ticket}: {wave}, {month}, {payout}.", "resolve": "1"}))
    previews = re.findall(r'<pre class="text">(.*?)</pre>', html.split('id="previews"')[1], re.S)
    first = sorted(ids)[:3]
    assert [unescape(p) for p in previews] == [
        f"Halo Peserta {i}, tiket #{t}: gelombang 48, bulan ke-3, LinkAja." for i, t in enumerate(first)
    ]
    assert 'id="send-all"' in html and 'name="request_key"' in html and "Kirim ke semua 15 anggota" in html

    html = html_of(auth.post(f"/groups/{group.id}/preview", {"body": "Halo {nama}", "resolve": "1"}))
    assert flash(html) == ["Placeholder tidak dikenal: {nama}. Pakai hanya yang ada di daftar."]
    assert 'id="previews"' not in html and "Halo {nama}" in unescape(html)  # the text is kept to fix
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 0


def _request_key(html: str) -> str:
    return re.search(r'name="request_key" value="([^"]+)"', html).group(1)


def test_send_to_all_once_then_progress_until_every_reply_is_out(client, auth, supervisor, session, settings, smtp_server):
    host, port, inbox = smtp_server
    ids = surge(session, 15, now=utcnow())
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    body = "Halo {name}, insentif {month} {wave} ke {payout} sedang kami periksa."
    key = _request_key(html_of(auth.post(f"/groups/{group.id}/preview", {"body": body, "resolve": "1"})))
    first = auth.post(f"/groups/{group.id}/send", {"body": body, "resolve": "1", "request_key": key})
    again = auth.post(f"/groups/{group.id}/send", {"body": body, "resolve": "1", "request_key": key})  # a second press
    sends = session.scalars(sa.select(GroupSend)).all()
    assert len(sends) == 1 and sends[0].total == 15 and sends[0].resolve
    answer = f"/groups/{group.id}/answers/{sends[0].id}"
    assert first.headers["Location"] == again.headers["Location"] == answer
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 15
    assert len(actions(session, "group.answered")) == 1
    assert sorted(e.ticket_id for e in actions(session, "outbox.queued")) == sorted(ids)

    page = html_of(client.get(answer))
    assert re.search(r'id="progress-pending">15<', page) and 'hx-trigger="every 2s"' in page  # polls while it runs
    summary = outbox_sender.send_due(session, settings.with_overrides(smtp_host=host, smtp_port=port, outbox_rate=1000.0), "test")
    assert summary.sent == 15 and len(inbox.messages) == 15
    fragment = html_of(client.get(f"{answer}/progress"))
    assert re.search(r'id="progress-sent">15<', fragment) and 'id="progress-done"' in fragment
    assert "hx-get" not in fragment  # finished: the polling stops
    session.expire_all()
    assert {session.get(Ticket, t).status for t in ids} == {"resolved"}
    assert client.get(f"/groups/{group.id}/answers/{sends[0].id + 1}").status_code == 404


@pytest.mark.parametrize("resolve", ["1", "0"])
def test_instagram_members_are_answered_from_the_by_hand_list(client, auth, supervisor, session, resolve):
    ids = surge(session, 15, now=utcnow(), email_share=0.0)
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    body = "Halo {name}, kami periksa insentif Anda."
    key = _request_key(html_of(auth.post(f"/groups/{group.id}/preview", {"body": body, "resolve": resolve})))
    answer = auth.post(f"/groups/{group.id}/send", {"body": body, "resolve": resolve, "request_key": key}).headers["Location"]
    page = html_of(client.get(answer))
    assert page.count('class="entry entry-queued by-hand-item"') == 15 and re.search(r'id="progress-by-hand">15<', page)
    assert "https://www.instagram.com/p/DEMO/c/0/" in page and 'data-copy-from="by-hand-text-' in page
    row = session.scalars(sa.select(OutboxReply).order_by(OutboxReply.id)).first()
    assert row.body == f"Halo @surge_{ids.index(row.ticket_id)}, kami periksa insentif Anda."

    auth.post(f"{answer}/posted/{row.id}")
    session.expire_all()
    posted = session.get(Ticket, row.ticket_id)
    assert session.get(OutboxReply, row.id).status == "sent" and posted.first_response_at is not None
    assert posted.status == ("resolved" if resolve == "1" else "open")
    assert [e.ticket_id for e in actions(session, "outbox.posted")] == [row.ticket_id]
    page = html_of(client.get(answer))
    assert page.count("by-hand-item") == 14 and f'id="by-hand-{row.id}"' not in page
    assert auth.post(f"{answer}/posted/{row.id}").status_code == 302  # twice: refused, said why
    assert "Jawaban ini sudah ditandai diposting." in flash(html_of(client.get(answer)))


def test_rename_merge_remove_and_bulk_actions_each_audited(client, auth, supervisor, agent, session):
    now = utcnow()
    a_ids = surge(session, 6, now=now, prefix="a")
    b_ids = surge(session, 7, now=now, texts=OTHER_TEXTS, prefix="b")
    c_ids = surge(session, 5, now=now, label="payment_account", texts=("Nomor OVO saya ganti, bagaimana ubah e-wallet tujuan insentif?",), prefix="c")
    a, b, c = group_of(session, a_ids[0]), group_of(session, b_ids[0]), group_of(session, c_ids[0])
    auth.login("supervisor1")

    auth.post(f"/groups/{a.id}/rename", {"name": "  LinkAja  gel 48  "})
    assert "LinkAja gel 48" in html_of(client.get(f"/groups/{a.id}")) and actions(session, "group.renamed")[-1].detail["after"] == "LinkAja gel 48"

    auth.post(f"/groups/{a.id}/remove", {"ticket_id": str(a_ids[0])})
    session.expire_all()
    assert session.get(Ticket, a_ids[0]).group_id is None and actions(session, "group.ticket_removed")[-1].ticket_id == a_ids[0]

    response = auth.post(f"/groups/{c.id}/merge", {"target": str(a.id)})  # another category: refused
    assert "Hanya kelompok dengan kategori yang sama yang bisa digabung." in flash(html_of(client.get(response.headers["Location"])))
    assert auth.post(f"/groups/{b.id}/merge", {"target": str(a.id)}).headers["Location"] == f"/groups/{a.id}"
    session.expire_all()
    assert session.get(TicketGroup, b.id).status == "merged" and session.get(TicketGroup, a.id).size == 5 + 7
    assert actions(session, "group.merged")[-1].detail["into"] == a.id

    auth.post(f"/groups/{a.id}/bulk/assign", {"user_id": str(agent.id)})
    session.expire_all()
    assert {(session.get(Ticket, t).status, session.get(Ticket, t).assignee_id) for t in a_ids[1:] + b_ids} == {("claimed", agent.id)}
    assert actions(session, "group.bulk_assign")[-1].detail["tickets"] == 12
    auth.post(f"/groups/{a.id}/bulk/resolve", {"confirm": "1"})
    session.expire_all()
    assert {session.get(Ticket, t).status for t in a_ids[1:] + b_ids} == {"resolved"}
    assert len([e for e in actions(session, "ticket.resolved") if e.ticket_id in a_ids + b_ids]) == 12

    auth.post(f"/groups/{c.id}/bulk/relabel", {"label": "missing_incentive"})
    session.expire_all()
    assert {session.get(Ticket, t).label for t in c_ids} == {"missing_incentive"}
    assert len(actions(session, "ticket.relabelled")) == 5


def test_group_forms_need_the_csrf_token(client, auth, supervisor, session):
    ids = surge(session, 6, now=utcnow())
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    for action in ("preview", "send", "rename", "bulk/resolve", "remove"):
        assert client.post(f"/groups/{group.id}/{action}", data={"body": "x", "name": "x", "ticket_id": str(ids[0])}).status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(GroupSend)) == 0 and group_of(session, ids[0]).name is None


def test_ticket_page_member_line_and_not_this_problem(client, auth, supervisor, agent, session):
    now = utcnow()
    ids = surge(session, 16, now=now)
    small = surge(session, 3, now=now, texts=OTHER_TEXTS, prefix="small")
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    line = html_of(client.get(f"/tickets/{ids[3]}")).split('id="group-line"')[1].split("</div>")[0]
    assert f'href="/groups/{group.id}"' in line and NAME in unescape(line) and "16 orang sejak" in line and "lonjakan" in line
    assert 'id="group-line"' not in html_of(client.get(f"/tickets/{small[0]}"))  # three similar tickets are no pattern yet
    auth.post("/logout")

    auth.login("agen1")  # an agent the group is not assigned to: the line, without a link to a page they cannot open
    line = html_of(client.get(f"/tickets/{ids[3]}")).split('id="group-line"')[1].split("</div>")[0]
    assert f'href="/groups/{group.id}"' not in line and NAME in unescape(line)
    auth.post(f"/tickets/{ids[3]}/not-this-problem")
    session.expire_all()
    assert session.get(Ticket, ids[3]).group_id is None and session.get(GroupExclusion, (ids[3], group.id)) is not None
    assert actions(session, "group.ticket_excluded")[-1].actor_id == agent.id
    page = html_of(client.get(f"/tickets/{ids[3]}"))
    assert 'id="group-line"' not in page and "Tiket dikeluarkan dari kelompok dan tidak akan dimasukkan lagi." in flash(page)
    # The same person writing again about the same specifics is not put back into that group.
    again = record(source_id="<again@mail.example.com>", author="Peserta 3 <surge3@example.com>", subject="Re: Insentif",
                   text="Masih belum masuk insentif bulan ke-3 gelombang 48 LinkAja saya.", sent_at=now)
    process_batch(session, [again], FixedClassifier(), PipelineConfig())
    session.commit()
    session.expire_all()
    assert session.get(Ticket, ids[3]).group_id != group.id


def test_group_pages_speak_english(client, auth, supervisor, session):
    ids = surge(session, 15, now=utcnow())
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    auth.post("/language", {"lang": "en", "next": "/supervisor/"})
    dashboard = html_of(client.get("/supervisor/"))
    assert "1 complaint surge" in dashboard and "15 people since" in dashboard
    assert "Incentive not received · wave 48 · month 3 · LinkAja" in unescape(dashboard)
    page = html_of(client.get(f"/groups/{group.id}"))
    assert "Answer the group" in page and "15 active tickets" in page and "Preview first" in page


def test_answer_page_says_why_emails_still_wait(client, auth, supervisor, session, settings):
    from smtp import free_port

    ids = surge(session, 15, now=utcnow())
    group = group_of(session, ids[0])
    auth.login("supervisor1")
    key = _request_key(html_of(auth.post(f"/groups/{group.id}/preview", {"body": "Halo {name}", "resolve": "1"})))
    answer = auth.post(f"/groups/{group.id}/send", {"body": "Halo {name}", "resolve": "1", "request_key": key}).headers["Location"]
    assert 'id="progress-reason"' not in html_of(client.get(answer))  # nothing tried yet
    summary = outbox_sender.send_due(session, settings.with_overrides(smtp_host="127.0.0.1", smtp_port=free_port()), "test")
    assert summary.sent == 0 and summary.stopped_by
    fragment = html_of(client.get(f"{answer}/progress"))
    assert re.search(r'id="progress-pending">15<', fragment) and 'hx-get' in fragment
    reason = re.search(r'id="progress-reason">(.*?)</p>', fragment, re.S).group(1)
    assert "Server email tidak bisa dihubungi." in unescape(reason)
