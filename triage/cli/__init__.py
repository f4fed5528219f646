"""The `triage` commands (the same as `flask --app triage ...`), one module per group.

The app factory registers them with init_app; the console entry point is triage/cli/console.py.
"""
from __future__ import annotations

from flask import Flask

from triage.cli.claims import claims_group
from triage.cli.classifier import (
    classify_command,
    evaluate_command,
    reclassify_command,
    split_evaluation_command,
    train_command,
)
from triage.cli.database import db_group
from triage.cli.demo import demo_command
from triage.cli.evaluation import evaluate_pipeline_command
from triage.cli.groups import groups_command
from triage.cli.ingest import import_command, ingest_group, runs_command
from triage.cli.model import model_group
from triage.cli.outbox import outbox_group
from triage.cli.privacy import privacy_group
from triage.cli.scheduler import scheduler_command
from triage.cli.users import users_group

COMMANDS = (
    scheduler_command,
    runs_command,
    db_group,
    import_command,
    demo_command,
    ingest_group,
    users_group,
    claims_group,
    outbox_group,
    privacy_group,
    groups_command,
    train_command,
    evaluate_command,
    evaluate_pipeline_command,
    split_evaluation_command,
    classify_command,
    reclassify_command,
    model_group,
)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
