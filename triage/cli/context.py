"""What a command takes from the app it runs in: the settings, the model, a job's context."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from triage import db
from triage.settings import Settings

if TYPE_CHECKING:
    from triage.classifier import Classifier
    from triage.jobs import JobContext


def app_settings() -> Settings:
    return current_app.config["SETTINGS"]


def app_classifier() -> Classifier:
    """The model, loaded on first use: a missing or stale one stops the command with what to run."""
    return current_app.extensions["triage.model"].load()


def job_context() -> JobContext:
    """What a job needs, from the app: database, classifier, settings."""
    from triage.jobs import JobContext  # the ingest machinery, only for the commands that run jobs

    return JobContext(db.writer_sessions(), app_classifier(), app_settings())
