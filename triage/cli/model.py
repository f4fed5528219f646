"""`triage model list | promote | rollback`: the kept model versions and which one is active.

Promotion has no --force: a candidate that regresses is retrained or left alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask.cli import with_appcontext

from triage import db
from triage.cli.context import app_settings
from triage.settings import PROJECT_ROOT

EVALUATION_DIR = PROJECT_ROOT / "data" / "evaluation"


@click.group("model")
def model_group() -> None:
    """The trained model versions: list them, promote a candidate, roll back."""


@model_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every kept version: active, trained when, on what, and its score on held-out kinds of writing."""
    from triage import model_versions
    from triage.classifier.versions import all_versions

    model_dir = app_settings().model_dir
    with db.writer_sessions()() as session:
        active = model_versions.active(session, model_dir).version
    click.echo(f"{'':2s}{'version':26s} {'trained_at':25s} {'model':24s} {'examples':>8s} {'feedback':>8s} {'held out':>8s} {'held-out F1':>13s}")
    for version in all_versions(model_dir):
        card = version.card
        data = card.get("training_data", {})
        # Leave-one-kind-out macro-F1 (cards since issue 17); older cards kept the cross-validated one.
        score = card.get("comparison", {}).get(card.get("model"), {}).get("macro_f1")
        if score is None:
            score = card.get("cross_validation", {}).get("candidates", {}).get(card.get("model"), {}).get("written_macro_f1")
        click.echo(
            f"{'*' if version.version == active else ' '} {version.version:26s} {str(card.get('trained_at', '-')):25s} "
            f"{str(card.get('model', '-')):24s} {data.get('examples', 0):8d} {data.get('by_source', {}).get('feedback', 0):8d} "
            f"{card.get('held_out_corrections', 0) if not version.shipped else '-':>8} "
            f"{'-' if score is None else f'{score:.4f}':>13s}{'  (shipped default)' if version.shipped else ''}"
        )


@model_group.command("promote")
@click.argument("version", required=False)
@click.option(
    "--eval", "eval_files", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Labeled JSON Lines to judge on besides the frozen data/evaluation/*.jsonl.",
)
@with_appcontext
def promote_command(version: Optional[str], eval_files: tuple[Path, ...]) -> None:
    """Make a candidate (default: the newest version) active, only if it does not regress."""
    from triage import model_versions
    from triage.classifier.card import ModelError
    from triage.classifier.training import read_examples
    from triage.classifier.versions import all_versions

    model_dir = app_settings().model_dir
    kept = [v for v in all_versions(model_dir) if not v.shipped]
    if version is None:
        if not kept:
            raise click.ClickException("no candidate versions: run `triage train --with-feedback`")
        version = kept[-1].version
    files = sorted(EVALUATION_DIR.glob("*.jsonl")) + list(eval_files)
    evaluation = {f.name: read_examples(f) for f in files}
    with db.writer_sessions()() as session:
        try:
            decision = model_versions.promote(session, model_dir, version, evaluation)
        except ModelError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"candidate {decision.candidate} against active {decision.active}")
    click.echo(
        f"rule: on each set, no label with >= {model_versions.MIN_SUPPORT} examples may lose more than "
        f"{model_versions.F1_MARGIN} F1; macro-F1 over the set's labels may not be lower"
    )
    for scored in decision.sets:
        click.echo(f"\n{scored.name} ({scored.examples} examples)")
        click.echo(f"  {'label':22s} {'support':>7s} {'active F1':>9s} {'candidate':>9s} {'change':>7s}")
        for row in (r for r in scored.labels if r.support):
            mark = "  REGRESSED" if row.regressed else ("" if row.judged else "  (too few to judge)")
            click.echo(f"  {row.label:22s} {row.support:7d} {row.old_f1:9.3f} {row.new_f1:9.3f} {row.new_f1 - row.old_f1:+7.3f}{mark}")
        click.echo(f"  {'macro-F1':22s} {'':7s} {scored.old_macro_f1:9.4f} {scored.new_macro_f1:9.4f} {scored.new_macro_f1 - scored.old_macro_f1:+7.4f}")
    if decision.promoted:
        click.echo(f"\nPROMOTED: {decision.candidate} is active; running services switch to it within seconds")
        return
    click.echo("\nREFUSED:")
    for reason in decision.reasons:
        click.echo(f"- {reason}")
    raise SystemExit(1)


@model_group.command("rollback")
@click.argument("version", required=False)
@with_appcontext
def rollback_command(version: Optional[str]) -> None:
    """Return to the previously active version (or the one named)."""
    from triage import model_versions
    from triage.classifier.card import ModelError

    with db.writer_sessions()() as session:
        try:
            before, after = model_versions.rollback(session, app_settings().model_dir, version)
        except (model_versions.VersionError, ModelError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"ROLLED BACK: {after} is active (was {before}); running services switch to it within seconds")
