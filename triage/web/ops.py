"""Operations endpoints: /healthz for load balancers, /metrics for Prometheus."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from triage import health, metrics
from triage.users import STATS_READ
from triage.web.api import scope_required

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, the model is usable and no scheduled source is stalled."""
    result = health.check(
        current_app.extensions["triage.sessionmaker"],
        current_app.config["SETTINGS"],
        current_app.extensions["triage.model"].state(),
    )
    return jsonify(result.report), 200 if result.ok else 503


@bp.get("/metrics")
@scope_required(STATS_READ)
def metrics_endpoint():
    """Prometheus exposition; scrape with a bearer token that has the stats:read scope."""
    body = metrics.render(current_app.extensions["triage.sessionmaker"])
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")
