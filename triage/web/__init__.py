"""The web app: the agents' queue (the full agent and supervisor UI is its own issue)."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, request

from triage import db
from triage.models import utcnow
from triage.priority import describe_due
from triage.queue import count_by_status, open_queue
from triage.taxonomy import CATEGORIES, display_name

bp = Blueprint("queue", __name__)
PAGE_SIZE = 100


@bp.get("/")
def index() -> str:
    label = request.args.get("label") or None
    channel = request.args.get("channel") or None
    session = db.get_session()
    tickets = session.scalars(open_queue(label=label, channel=channel).limit(PAGE_SIZE)).all()
    counts = dict(session.execute(count_by_status()).all())
    return render_template(
        "queue.html",
        tickets=tickets,
        counts=counts,
        categories=CATEGORIES,
        label=label,
        channel=channel,
        now=utcnow(),
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["label_name"] = display_name
    app.jinja_env.globals["describe_due"] = describe_due
    app.register_blueprint(bp)
