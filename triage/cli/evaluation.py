"""`triage evaluate-pipeline`: labeled files measured through the real pipeline.

The pipeline, the parsers and the model are imported by the command, so that the other
commands start without them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask.cli import with_appcontext

from triage.cli.context import app_classifier, app_settings


@click.command("evaluate-pipeline")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--keep",
    "workdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the mbox, the comments file and the database in DIR (default: a temporary folder, removed).",
)
@with_appcontext
def evaluate_pipeline_command(paths: tuple[Path, ...], workdir: Optional[Path]) -> None:
    """Import labeled JSON Lines files through the pipeline into a fresh database and score the stored labels.

    Emails become an mbox with Subject headers, Instagram rows a comments file; a row's
    "context" is imported before it and the row answers it (In-Reply-To, parent comment).
    """
    from triage.evaluation.files import read_rows
    from triage.evaluation.through_pipeline import evaluate_through_pipeline

    try:
        rows = read_rows(paths)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    result = evaluate_through_pipeline(rows, app_classifier(), app_settings(), workdir)
    echo_pipeline_evaluation(result)
    if result.summary.status != "ok":
        raise SystemExit(1)


def echo_pipeline_evaluation(result) -> None:  # type: ignore[no-untyped-def] - a PipelineEvaluation
    summary = result.summary
    click.echo(
        f"imported {summary.read}: {summary.new_tickets} new tickets, {summary.threaded} threaded, "
        f"{summary.quarantined} quarantined; scored {len(result.stored)} rows ({len(result.missing)} not stored)"
    )
    click.echo(f"\n{'label':22s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>7s}")
    for label, row in result.report.items():
        click.echo(f"{label:22s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:7.3f} {row['support']:7d}")
    click.echo(f"{'macro-F1':22s} {'':9s} {'':7s} {result.macro_f1:7.4f}")
    for key in ("kind", "channel"):
        click.echo(f"\naccuracy per {key}")
        for name, (right, n) in result.accuracy_by(key).items():
            click.echo(f"  {name:20s} {right / n:6.1%}  ({right}/{n})")
    right, n = result.alone_accuracy()
    if n:
        click.echo(f"\nreplies: {right / n:.1%} right read alone ({right}/{n}); in their conversation, as stored above")
        click.echo(f"their context messages labeled as their ticket: {result.contexts['right']}/{result.contexts['all']}")
    click.echo(
        f"\nauto-labeled (ticket not flagged for review): {result.auto_coverage:.1%} of messages, "
        f"{result.auto_precision:.1%} of them right"
    )
    for row in result.missing:
        click.echo(f"  not stored: row {row.index + 1} ({row.channel}, {row.kind})", err=True)
