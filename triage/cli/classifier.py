"""`triage train`, `evaluate`, `classify`, `reclassify`: the model, trained, measured and applied.

scikit-learn and the training code are imported by each command, so that the others start
without them.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from triage import db
from triage.cli.context import app_classifier, app_settings
from triage.settings import PROJECT_ROOT

TRAINING_DIR = PROJECT_ROOT / "data" / "training"


@click.command("train")
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Also learn from agents' relabels; the result is a candidate version, active only once promoted.",
)
@click.option("--folds", default=5, show_default=True)
@click.option("--out", "model_dir", type=click.Path(path_type=Path), default=None, help="Default: the configured model dir.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=TRAINING_DIR, show_default=True)
@with_appcontext
def train_command(with_feedback: bool, folds: int, model_dir: Path | None, data_dir: Path) -> None:
    """Pick the best model by cross-validated macro-F1, choose its threshold, save it with its card.

    Without --with-feedback it rebuilds the shipped default in the model dir (what the
    repository commits); with it, a candidate under <model dir>/versions/ for `triage model promote`.
    """
    from tqdm import tqdm

    from triage.classifier import training
    from triage.classifier.model import save_model

    settings = app_settings()
    model_dir = model_dir or settings.model_dir
    files = sorted(data_dir.glob("*.jsonl"))
    held_out: list = []
    held_rows: list[dict] = []
    if with_feedback:
        from triage.retraining import HOLDOUT_MIN, HOLDOUT_SHARE, feedback_examples, hold_out_recent, write_examples

        train_rows, held_rows = hold_out_recent(feedback_examples(db.get_session()))
        feedback_file = settings.instance_path / "feedback.jsonl"
        write_examples(train_rows, feedback_file)
        files.append(feedback_file)
        held_out = [training.Example(r["text"], r["label"], r["channel"], r["source"], 1.0, r["subject"]) for r in held_rows]
        click.echo(
            f"agent corrections: {len(train_rows) + len(held_rows)}; held out the newest {len(held_rows)} "
            f"(the newest {HOLDOUT_SHARE:.0%}, at least {HOLDOUT_MIN}) to judge the candidate, never trained on; "
            f"training on {len(train_rows)} ({feedback_file})"
        )
    examples = training.deduplicate(e for f in files for e in training.read_examples(f))
    if held_out:
        from triage.retraining import without_held_out

        kept = without_held_out(examples, held_out)
        if len(kept) < len(examples):
            click.echo(f"left out {len(examples) - len(kept)} training examples with a held-out correction's text")
        examples = kept
    click.echo(f"training examples: {len(examples)} from {', '.join(f.name for f in files)}")
    with tqdm(total=len(training.CANDIDATES) * folds, desc="cross-validation", unit="fold") as bar:
        results = training.cross_validate(examples, folds=folds, progress=lambda msg: (bar.set_postfix_str(msg), bar.update()))
    candidates = {name: r for name, r in results.items() if name in training.CANDIDATES}
    chosen = max(candidates, key=lambda name: (candidates[name].written_macro_f1, candidates[name].macro_f1))
    written = [i for i, e in enumerate(examples) if e.source == "written"] or list(range(len(examples)))
    threshold = training.choose_threshold(
        candidates[chosen].oof_proba[written], [examples[i].label for i in written]
    )
    echo_cv_report(results, chosen, threshold)
    pipeline = training.train_final(chosen, examples)
    card = training.build_card(chosen, results, threshold, examples, files, folds)
    if not with_feedback:
        path = save_model(pipeline, card, model_dir)
        click.echo(f"saved {path} (version {card['version']})")
        return
    from triage.classifier.versions import save_candidate

    version = save_candidate(model_dir, pipeline, card, held_rows)
    click.echo(f"saved candidate {version} in {model_dir / 'versions' / version} (not active: `triage model promote {version}`)")


def echo_cv_report(results: dict, chosen: str, threshold: dict) -> None:
    from triage.taxonomy import LABELS

    click.echo(
        "\ncross-validated macro-F1, out of fold: over all examples, and over the hand-written ones"
        "\n(which decide; per-label F1 is theirs; ECE = expected calibration error over all)"
    )
    header = f"{'model':26s} {'all':>6s} {'written':>7s} {'ECE':>6s} " + " ".join(
        f"{label[:11]:>11s}" for label in LABELS
    )
    click.echo(header)
    for name, r in sorted(results.items(), key=lambda kv: -kv[1].written_macro_f1):
        ece = "-" if r.ece is None else f"{r.ece:.3f}"
        mark = " *" if name == chosen else ""
        per = " ".join(f"{r.written_per_label_f1.get(label, 0.0):11.3f}" for label in LABELS)
        click.echo(f"{name + mark:26s} {r.macro_f1:6.4f} {r.written_macro_f1:7.4f} {ece:>6s} {per}")
    click.echo(
        f"\nchosen: {chosen}; review threshold {threshold['threshold']:.3f}: "
        f"{threshold['auto_coverage']:.1%} of hand-written messages labeled without review at "
        f"{threshold['auto_precision']:.1%} precision (target {threshold['target_precision']:.0%})"
    )


@click.command("evaluate")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--show-misses/--no-show-misses", default=True, show_default=True)
@with_appcontext
def evaluate_command(path: Path, show_misses: bool) -> None:
    """Measure the model on a labeled JSON Lines file (text, label)."""
    from triage.classifier.training import evaluate, read_examples
    from triage.taxonomy import LABELS

    result = evaluate(app_classifier(), read_examples(path))
    click.echo(f"{'label':22s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>7s}")
    for label, row in result.report.items():
        click.echo(f"{label:22s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:7.3f} {row['support']:7d}")
    click.echo(f"{'macro-F1':22s} {'':9s} {'':7s} {result.macro_f1:7.4f}")
    click.echo("\nconfusion matrix (rows: expected, columns: predicted)")
    short = [label[:6] for label in LABELS]
    click.echo(f"{'':22s} " + " ".join(f"{s:>6s}" for s in short))
    for label, row in zip(LABELS, result.confusion):
        click.echo(f"{label:22s} " + " ".join(f"{n:6d}" for n in row))
    if show_misses:
        click.echo(f"\nmisclassified: {len(result.misclassified)}")
        for expected, predicted, confidence, text in result.misclassified:
            click.echo(f"- expected {expected}, got {predicted} ({confidence:.2f}): {' '.join(text.split())[:160]}")


@click.command("classify")
@click.argument("text")
@with_appcontext
def classify_command(text: str) -> None:
    """Label one message and show what an agent would see."""
    from triage.classifier.entities import extract_entities, masked

    prediction = app_classifier().predict([text])[0]
    click.echo(f"label:        {prediction.label}")
    click.echo(f"confidence:   {prediction.confidence:.3f}")
    click.echo("top 3:        " + ", ".join(f"{label} {p:.3f}" for label, p in prediction.top))
    click.echo(f"needs_review: {'yes' if prediction.needs_review else 'no'}")
    entities = {k: v for k, v in masked(extract_entities(text)).items() if v}
    click.echo(f"entities:     {entities or '-'}")


@click.command("reclassify")
@click.option("--needs-review-only", is_flag=True, help="Only tickets flagged for review.")
@with_appcontext
def reclassify_command(needs_review_only: bool) -> None:
    """Relabel open tickets with the current model, keeping labels agents set by hand."""
    from triage.retraining import reclassify_tickets

    with db.writer_sessions()() as session:  # writes beside ingestion, as the scheduler's reclassify job does
        summary = reclassify_tickets(session, app_classifier(), only_needs_review=needs_review_only)
    click.echo(
        f"examined {summary.examined}, relabeled {summary.changed}, "
        f"kept {summary.kept_agent_labels} labels set by agents"
    )
