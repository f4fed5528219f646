"""Who may open what (issue 18): every route of app.url_map, every method, as a visitor, an
agent, a supervisor and an admin (pages with a login, the API and /metrics with each role's
token) against the table below. A route the table does not name fails the test with its name,
so a new route has to say who may use it.

"ok" means the route did its work or refused for a reason of the work itself (a flash, a
400 for a bad form): never a login redirect, 401, 403, 404, 405 or a server error."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from builders import PASSWORD, surge, ticket, user
from triage import group_send, saved_views, users
from triage.models import Attachment, OutboxReply, Ticket, utcnow
from triage.records import AttachedFile

ROLES = ("anonymous", "agent", "supervisor", "admin")
LOGIN, OK = "login", "ok"
STOP_POLLING = 286  # the holder poll of a signed-out page: stop, instead of the login page

OPEN = dict(anonymous=OK, agent=OK, supervisor=OK, admin=OK)
PAGE = dict(anonymous=LOGIN, agent=OK, supervisor=OK, admin=OK)
SUPERVISORS = dict(anonymous=LOGIN, agent=403, supervisor=OK, admin=OK)
# A group's pages and actions: supervisors, and the agent a supervisor gave the group to
# (the group here is given to nobody, so the agent gets 403).
GROUP = dict(anonymous=LOGIN, agent=403, supervisor=OK, admin=OK)
API = dict(anonymous=401, agent=OK, supervisor=OK, admin=OK)
API_STATS = dict(anonymous=401, agent=403, supervisor=OK, admin=OK)  # stats:read is not an agent's scope

EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/static/<path:filename>"): OPEN,
    ("GET", "/healthz"): OPEN,
    ("GET", "/login"): OPEN,
    ("POST", "/login"): dict(anonymous=401, agent=OK, supervisor=OK, admin=OK),  # the visitor sent no password
    ("POST", "/logout"): dict(anonymous=LOGIN, agent=LOGIN, supervisor=LOGIN, admin=LOGIN),  # signed out: the login page
    ("POST", "/logout/everywhere"): dict(anonymous=LOGIN, agent=LOGIN, supervisor=LOGIN, admin=LOGIN),
    ("POST", "/language"): PAGE,
    ("GET", "/"): PAGE,
    ("GET", "/queue/rows"): PAGE,
    ("POST", "/take-next"): PAGE,
    ("POST", "/views"): PAGE,
    ("POST", "/views/<int:view_id>/delete"): PAGE,  # each user's own view; another's is a 404 (test_queue_workbench)
    ("GET", "/tickets/<int:ticket_id>"): PAGE,
    ("GET", "/tickets/<int:ticket_id>/holder"): dict(anonymous=STOP_POLLING, agent=OK, supervisor=OK, admin=OK),
    ("POST", "/tickets/<int:ticket_id>/draft/<kind>"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/reveal"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/claim"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/release"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/relabel"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/note"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/resolve"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/reopen"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/noise"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/reply"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/answered"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/not-this-problem"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/merge"): PAGE,
    ("POST", "/tickets/<int:ticket_id>/assign"): SUPERVISORS,
    ("POST", "/outbox/<int:reply_id>/posted"): PAGE,
    ("POST", "/outbox/<int:reply_id>/retry"): PAGE,
    ("POST", "/outbox/<int:reply_id>/cancel"): PAGE,
    ("GET", "/attachments/<int:attachment_id>"): PAGE,
    ("GET", "/attachments/<int:attachment_id>/thumbnail"): PAGE,
    ("GET", "/groups"): PAGE,
    ("GET", "/groups/<int:group_id>"): GROUP,
    ("POST", "/groups/<int:group_id>/rename"): SUPERVISORS,
    ("POST", "/groups/<int:group_id>/merge"): SUPERVISORS,
    ("POST", "/groups/<int:group_id>/assign"): SUPERVISORS,
    ("POST", "/groups/<int:group_id>/remove"): GROUP,
    ("POST", "/groups/<int:group_id>/bulk/relabel"): GROUP,
    ("POST", "/groups/<int:group_id>/bulk/assign"): GROUP,
    ("POST", "/groups/<int:group_id>/bulk/resolve"): GROUP,
    ("POST", "/groups/<int:group_id>/preview"): GROUP,
    ("POST", "/groups/<int:group_id>/send"): GROUP,
    ("GET", "/groups/<int:group_id>/answers/<int:send_id>"): GROUP,
    ("GET", "/groups/<int:group_id>/answers/<int:send_id>/progress"): GROUP,
    ("POST", "/groups/<int:group_id>/answers/<int:send_id>/posted/<int:reply_id>"): GROUP,
    ("GET", "/supervisor/"): SUPERVISORS,
    ("GET", "/supervisor/report"): SUPERVISORS,
    ("GET", "/supervisor/export/<table>.csv"): SUPERVISORS,
    ("GET", "/supervisor/team"): SUPERVISORS,
    ("POST", "/supervisor/team"): SUPERVISORS,
    ("POST", "/supervisor/team/<int:user_id>/unlock"): SUPERVISORS,
    ("POST", "/supervisor/team/<int:user_id>/logout"): SUPERVISORS,
    ("GET", "/audit"): dict(anonymous=LOGIN, agent=403, supervisor=403, admin=OK),  # the audit log: admins only
    ("POST", "/supervisor/team/<int:user_id>"): SUPERVISORS,  # an agent's account; admins' and supervisors': test_team_edits
    ("POST", "/supervisor/team/auto-assign"): SUPERVISORS,
    ("GET", "/supervisor/review"): SUPERVISORS,
    ("GET", "/supervisor/replies"): SUPERVISORS,
    ("POST", "/supervisor/replies/<label>"): SUPERVISORS,
    ("GET", "/metrics"): API_STATS,
    ("GET", "/api/v1/tickets"): API,
    ("GET", "/api/v1/tickets/<int:ticket_id>"): API,
    ("POST", "/api/v1/tickets/<int:ticket_id>/resolve"): API,
    ("POST", "/api/v1/take-next"): API,
    ("GET", "/api/v1/stats"): API_STATS,
    ("GET", "/api/v1/groups"): API,
    ("GET", "/api/v1/groups/<int:group_id>"): API,
    ("GET", "/api/v1/openapi.json"): API,
}
TOKEN_ROUTES = ("/api/", "/metrics")
LAST = ("/logout", "/logout/everywhere")  # end the client's login: asked after everything else


def routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route the app serves."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"})


def test_the_table_names_every_route_and_only_routes(app):
    served = set(routes(app))
    missing = sorted(served - EXPECTED.keys())
    assert not missing, f"routes without an expectation in EXPECTED (say who may use them): {missing}"
    stale = sorted(EXPECTED.keys() - served)
    assert not stale, f"expectations for routes the app no longer serves: {stale}"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(session, settings):
    """Something behind every id a route takes: tickets, a group with an answer being sent, an
    attachment, a view per user, an agent a supervisor may change."""
    people = {role: user(session, name, role) for role, name in (("agent", "agen1"), ("supervisor", "supervisor1"), ("admin", "admin1"))}
    colleague = user(session, "agen2")
    first = ticket(session, author="Budi <budi@example.com>", source_id="<m1@example.com>",
                   files=(AttachedFile("layar.png", "image/png", _png()),))
    second = ticket(session, author="Sari <sari@example.com>", source_id="<m2@example.com>")
    members = surge(session, 5, now=utcnow(), email_share=0.6)
    group_id = session.get(Ticket, members[0]).group_id
    assert group_id is not None
    sent = group_send.send_to_group(session, group_id, "Halo {name}, kami periksa.", people["supervisor"], False, settings)
    reply_id = session.scalar(sa.select(OutboxReply.id).where(OutboxReply.group_send_id == sent.id, OutboxReply.channel == "instagram"))
    views = {role: saved_views.save_view(session, person, f"Tampilan {role}", {"assignee": "me"}).id for role, person in people.items()}
    tokens = {role: users.create_api_token(session, person, sorted(users.ROLE_SCOPES[person.role])) for role, person in people.items()}
    session.commit()
    values = dict(
        ticket_id=first.id, group_id=group_id, send_id=sent.id, reply_id=reply_id, user_id=colleague.id,
        attachment_id=session.scalar(sa.select(Attachment.id)), kind="reply", label="missing_incentive",
        table="backlog", filename="triage.css",
    )
    return dict(values=values, views=views, tokens=tokens, second=second.id, member=members[-1])


def _path(rule: str, values: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule)


def _form(rule: str, world: dict) -> dict:
    """A plausible form for the action, so that an allowed one gets past its own checks."""
    if rule.endswith("/merge") and rule.startswith("/tickets/"):
        return {"target": str(world["second"])}
    if rule.endswith("/remove"):
        return {"ticket_id": str(world["member"])}
    if rule.endswith("/note") or rule.endswith("/draft/<kind>"):
        return {"text": "Dicek lewat telepon."}
    return {}


def _outcome(response) -> object:
    if response.status_code in (301, 302, 303) and urlsplit(response.headers["Location"]).path == "/login":
        return LOGIN
    if response.status_code in (401, 403, 404, 405, STOP_POLLING):
        return response.status_code
    assert response.status_code < 500 or response.status_code == 503, response.status_code  # 503: /healthz without a model
    return OK


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app, world, role):
    client = app.test_client()

    def log_in() -> str:
        name = {"agent": "agen1", "supervisor": "supervisor1", "admin": "admin1"}[role]
        page = client.get("/login")
        assert client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}).status_code == 302
        return _csrf(client.get("/").get_data(as_text=True))

    if role != "anonymous":
        token = log_in()
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
        # The numbers (and a screenshot's thumbnail) of the ticket shown, as a person would first.
        assert client.post(f"/tickets/{world['values']['ticket_id']}/reveal", data={"csrf_token": token}).status_code == 302
    else:
        token, headers = _csrf(client.get("/login").get_data(as_text=True)), {}
    values = {**world["values"], "view_id": world["views"].get(role, world["views"]["agent"])}
    wrong = []
    for method, rule in sorted(routes(app), key=lambda r: (r[1] in LAST, r)):
        path = _path(rule, values)
        if rule in LAST[1:] and role != "anonymous":
            token = log_in()  # the logout before it ended this client's login
        use = headers if path.startswith(TOKEN_ROUTES) else {}
        if method == "GET":
            response = client.get(path, headers=use)
        else:
            response = client.post(path, data={"csrf_token": token, **_form(rule, world)}, headers=use)
        expected = EXPECTED.get((method, rule), {}).get(role, "(not in the table)")
        if _outcome(response) != expected:
            wrong.append(f"{method} {rule} as {role}: {_outcome(response)} ({response.status_code}), expected {expected}")
    assert not wrong, "\n".join(wrong)
