"""/healthz says 503, and why, when the database cannot be reached or the model is missing."""
from __future__ import annotations

import socket

from sqlalchemy.engine import make_url

from triage import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def _unreachable(database_url: str, tmp_path) -> str:
    """A URL of the test's kind of database that no connection can open."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no such folder' / 'triage.sqlite3'}"
    url = make_url(database_url).set(host="127.0.0.1", port=_closed_port(), password="db-secret")
    return url.render_as_string(hide_password=False)


def test_healthz_is_503_and_names_the_database_when_it_cannot_be_reached(settings, tmp_path):
    down = _unreachable(settings.database_url, tmp_path)
    client = create_app(settings.with_overrides(database_url=down)).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "unhealthy"
    assert report["database"] == "unavailable: OperationalError"
    assert report["model"]["state"] == "not loaded"  # the rest is still reported
    assert "db-secret" not in response.get_data(as_text=True) and "no such folder" not in response.get_data(as_text=True)


def test_healthz_is_503_and_says_what_to_run_when_the_model_is_missing(settings, engine, tmp_path):
    missing = tmp_path / "models"  # TRIAGE_MODEL_DIR pointing where no model was ever trained
    client = create_app(settings.with_overrides(model_dir=missing)).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "unhealthy" and report["database"] == "ok"
    assert report["model"]["state"] == "failed"
    assert str(missing / "model_card.json") in report["model"]["error"] and "triage train" in report["model"]["error"]

