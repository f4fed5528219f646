"""Every page in both languages: no interface text of the other language leaks in.

The catalog is the list of what may leak: on an English page, no Indonesian source text
whose translation differs may appear; on an Indonesian page, no such English translation.
Text people send (tickets, names, ready replies) is seeded as neutral tokens and form fields
are left out, so what is checked is the interface alone.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import abort
from babel.messages.pofile import read_po

from builders import surge, ticket, user
from triage.models import IngestRun, Ticket, TicketGroup, utcnow
from triage.quarantine import quarantine

CATALOG = Path(__file__).resolve().parents[2] / "triage" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Words that only the other language uses, for text that never went through the catalog
# (an exception's English reason, a status stored in English).
ENGLISH_ONLY = {
    "the", "must", "cannot", "unknown", "never", "only", "failed", "already", "invalid", "not", "is", "are", "run", "request",
    "too", "large", "error", "found", "allowed", "your", "you", "this", "please", "could", "was", "has", "have",
    "with", "for", "and", "or", "to", "of", "in", "on", "at", "by", "ticket", "open", "resolved", "agent",
}
INDONESIAN_ONLY = {
    "yang", "tidak", "belum", "sudah", "untuk", "dengan", "dari", "tiket", "gagal", "terbuka", "selesai", "agen", "berhasil",
    "halaman", "kesalahan", "ditemukan", "permintaan", "dan", "di", "ke", "atau", "pada", "ini", "itu", "anda", "kembali",
}
LEFT_OUT = {"textarea", "script", "style", "option", "code"}  # form contents and code, not interface text
SENDER = re.compile(r"\b(conversation|preview|text|context|author|contact|handle|subject|ref)\b")
ATTRIBUTES = ("title", "aria-label", "placeholder", "data-label", "alt")


class _Text(HTMLParser):
    """The words a person reads on a page: text and labelling attributes, without sender text."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr", "area", "base", "embed", "param", "track"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: whether its content is left out

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (self.stack and self.stack[-1]) or tag in LEFT_OUT or bool(SENDER.search(attrs.get("class") or ""))
        if not skipped:
            self.parts += [attrs[a] for a in ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Quoted examples (“bulan ke-3”) are values a participant reads: Indonesian in both interfaces.
    return re.sub(r"\s+", " ", re.sub(r"“[^”]*”", "", text)).strip()


def _fragments(text: str) -> list[str]:
    """The literal pieces of a catalog text between its placeholders, long enough to be telling."""
    pieces = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w+\}", text)
    return [p.strip(" .,:;·()") for p in pieces if len(p.strip(" .,:;·()")) >= 4]


def _catalog() -> list[tuple[str, str]]:
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    pairs = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        pairs.append((source, target))
    return pairs


def _tells(pairs, pick, other_side) -> set[str]:
    """Fragments of one side that appear nowhere on the other side (so seeing one is a leak)."""
    others = " ".join(other_side(p) for p in pairs)
    found = set()
    for pair in pairs:
        if pair[0] == pair[1]:
            continue
        found |= {f for f in _fragments(pick(pair)) if not re.search(rf"(?<!\w){re.escape(f)}(?!\w)", others)}
    return found


PAIRS = _catalog()
INDONESIAN_TELLS = _tells(PAIRS, lambda p: p[0], lambda p: p[1])
ENGLISH_TELLS = _tells(PAIRS, lambda p: p[1], lambda p: p[0])


def leaks(text: str, lang: str) -> list[str]:
    """What on a page of `lang` belongs to the other language."""
    tells, words = (INDONESIAN_TELLS, INDONESIAN_ONLY) if lang == "en" else (ENGLISH_TELLS, ENGLISH_ONLY)
    found = sorted({t for t in tells if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)})
    found += [w for w in re.findall(r"\b[A-Za-z]+\b", text) if w.lower() in words]
    return sorted(set(found))


def test_the_check_finds_leaks_both_ways():
    assert "Tiket saya" in INDONESIAN_TELLS and "My tickets" in ENGLISH_TELLS
    assert leaks("Queue · Tiket saya · Logout", "en") == ["Tiket", "Tiket saya"]
    assert leaks("Antrean · My tickets", "id") == ["My tickets"]
    assert leaks("Tidak bisa: the mail server did not accept", "id") == ["not", "the"]
    assert leaks("413 · Request Entity Too Large", "id") == ["Large", "Request", "Too"]
    assert leaks("Gagal: tiket ini", "en") == ["Gagal", "ini", "tiket"]
    assert leaks("Not saved: nama belum diisi", "en") == ["belum"]
    assert visible_text('<p>Hi <span class="preview">tidak</span><textarea>yang</textarea><b title="Tiket">x</b></p>') == "Hi Tiket x"


@pytest.fixture
def seeded(session):
    now = utcnow()
    agent = user(session, "agen1", display_name="Qwerty Uiop", on_shift=True)
    boss = user(session, "supervisor1", role="supervisor", display_name="Zxcv Bnm")
    first = ticket(session, "missing_incentive", author="Qwe Rty <qwe@example.com>", subject="Zzq 42", text="Xyzzy 42 plugh",
                   source_id="<lang-1@mail.example.com>", sent_at=now - timedelta(hours=20))
    ticket(session, "other", 0.3, channel="instagram", author="xyz_42", subject=None, source_id="ig-lang", text="Xyzzy 43")
    done = ticket(session, "registration", author="Asd Fgh <asd@example.com>", subject="Zzq 43", text="Xyzzy 44",
                  source_id="<lang-2@mail.example.com>", sent_at=now - timedelta(hours=5))
    done.status, done.assignee_id, done.resolved_at, done.first_response_at = "resolved", agent.id, now, now - timedelta(hours=1)
    ids = surge(session, 16, now=now, texts=["Xyzzy plugh 48 LinkAja"])
    group_id = session.get(Ticket, ids[0]).group_id
    session.get(TicketGroup, group_id).assignee_id = agent.id
    session.add(IngestRun(source="imap:inbox", started_at=now - timedelta(minutes=3), status="ok", fetched=1))
    session.add(IngestRun(source="instagram", started_at=now - timedelta(hours=2), status="failed", error="429"))
    quarantine(session, "imap:inbox", "uid 9", "empty text", None, None, now=now)
    session.commit()
    return {"ticket": first.id, "group": group_id, "agent": agent.id, "supervisor": boss.id}


def _pages(role: str, seeded: dict) -> list[str]:
    pages = ["/", f"/tickets/{seeded['ticket']}", "/groups", f"/groups/{seeded['group']}", "/nowhere"]
    if role == "supervisor":
        pages += ["/supervisor/", "/supervisor/report", "/supervisor/?from=2026-13-01", "/supervisor/?from=2026-11-05&to=2026-11-01",
                  "/supervisor/team", "/supervisor/review", "/supervisor/replies"]
    return pages


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_pages_speak_one_language(client, auth, seeded, role, lang):
    auth.login({"agent": "agen1", "supervisor": "supervisor1"}[role])
    with client.session_transaction() as s:
        s["lang"] = lang
    found = {}
    for path in _pages(role, seeded):
        html = client.get(path).get_data(as_text=True)
        assert f'lang="{lang}"' in html or "<html" not in html, path  # /supervisor/report is a fragment
        if leaked := leaks(visible_text(html), lang):
            found[path] = leaked
    assert found == {}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_login_and_error_pages_speak_one_language(app, client, auth, seeded, lang):
    app.config["TESTING"] = False  # the 500 page, not the exception

    @app.get("/boom")
    def boom():
        raise RuntimeError("the database went away")

    @app.get("/too-big")
    def too_big():
        abort(413)  # what a body over MAX_CONTENT_LENGTH gets

    pages = {"login": client.get(f"/login?lang={lang}")}
    auth.login("supervisor1")
    with client.session_transaction() as s:
        s["lang"] = lang
    pages["404"] = client.get("/nowhere")
    pages["405"] = client.put("/supervisor/team")
    pages["413"] = client.get("/too-big")
    pages["500"] = client.get("/boom")
    pages["400"] = client.post("/supervisor/team", data={"csrf_token": "stale"})
    found = {name: leaks(visible_text(r.get_data(as_text=True)), lang) for name, r in pages.items()}
    assert {name: r.status_code for name, r in pages.items()} == {"login": 200, "404": 404, "405": 405, "413": 413, "500": 500, "400": 400}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_refusals_speak_one_language(client, auth, seeded, lang):
    """What a refused form says (flash messages), from the services' reasons."""
    auth.login("supervisor1")
    with client.session_transaction() as s:
        s["lang"] = lang
    agent_id = seeded["agent"]
    refused = [
        ("short password", "/supervisor/team", {"username": "agen9", "password": "pendek", "role": "agent"}),
        ("bad username", "/supervisor/team", {"username": "a/b", "password": "panjang sekali", "role": "agent"}),
        ("taken username", "/supervisor/team", {"username": "agen1", "password": "panjang sekali", "role": "agent"}),
        ("capacity", "/supervisor/team", {"username": "agen8", "password": "panjang sekali", "role": "agent", "capacity": "0"}),
        ("own account", f"/supervisor/team/{seeded['supervisor']}", {"active": "0"}),
        ("placeholder", "/supervisor/replies/unspent_voucher", {"body": "Halo {nama}"}),
        ("broken placeholder", "/supervisor/replies/unspent_voucher", {"body": "Halo {name"}),
        ("update capacity", f"/supervisor/team/{agent_id}", {"capacity": "500"}),
    ]
    found = {}
    for name, url, data in refused:
        response = auth.post(url, data)
        # A refused form with typed text comes back at once (422, the text in its box), others redirect.
        assert response.status_code in (302, 422), name
        page = (client.get(response.headers["Location"]) if response.status_code == 302 else response).get_data(as_text=True)
        flashes = re.findall(r'<p class="flash flash-error"[^>]*>(.*?)</p>', page, re.S)
        assert flashes, name
        if leaked := leaks(visible_text(" ".join(flashes)), lang):
            found[name] = (leaked, flashes)
    assert found == {}
