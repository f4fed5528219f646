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
EVALUATION_DIR = PROJECT_ROOT / "data" / "evaluation"


@click.command("train")
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Also learn from agents' relabels; the result is a candidate version, active only once promoted.",
)
@click.option("--folds", default=5, show_default=True, help="Folds when the corpus has fewer than two hand-written kinds.")
@click.option("--out", "model_dir", type=click.Path(path_type=Path), default=None, help="Default: the configured model dir.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=TRAINING_DIR, show_default=True)
@click.option(
    "--evaluation", "evaluation_dir", type=click.Path(path_type=Path, file_okay=False), default=EVALUATION_DIR,
    show_default=True, help="The frozen evaluation files: never fit on, only checked.",
)
@click.option("--candidates", default="", help="Comma-separated candidates to compare, or \"all\" (default: those within the speed budget).")
@with_appcontext
def train_command(
    with_feedback: bool, folds: int, model_dir: Path | None, data_dir: Path, evaluation_dir: Path, candidates: str
) -> None:
    """Compare the models leaving one kind of writing out at a time, choose, save the winner with its card.

    Without --with-feedback it rebuilds the shipped default in the model dir (what the
    repository commits); with it, a candidate under <model dir>/versions/ for `triage model promote`.
    """
    from tqdm import tqdm

    from triage.classifier import protocol, training
    from triage.classifier.candidates import CANDIDATES
    from triage.classifier.model import save_model

    settings = app_settings()
    model_dir = model_dir or settings.model_dir
    if candidates == "all":
        names = list(CANDIDATES)
    else:
        names = [n.strip() for n in candidates.split(",") if n.strip()] or [
            name for name, candidate in CANDIDATES.items() if candidate.within_speed_budget
        ]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise click.UsageError(f"unknown candidates {unknown}; known: {', '.join(CANDIDATES)}")
    files = training.training_files(data_dir)
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
    examples, dropped = training.load_training(files, evaluation_dir)
    if held_out:
        from triage.retraining import without_held_out

        kept = without_held_out(examples, held_out)
        if len(kept) < len(examples):
            click.echo(f"left out {len(examples) - len(kept)} training examples with a held-out correction's text")
        examples = kept
    evaluation = [e for f in sorted(evaluation_dir.glob("*.jsonl")) for e in training.read_examples(f)] if evaluation_dir.is_dir() else []
    click.echo(f"training examples: {len(examples)} from {', '.join(f.name for f in files)}")
    if dropped:
        click.echo(f"left out {dropped} training examples whose text is in the evaluation files")
    groups = {g for g in protocol.held_out_groups(examples, folds) if g}
    fits = len(groups) * (len(names) + 1) + 12
    with tqdm(total=fits, desc="leave-one-kind-out", unit="fit") as bar:
        run = protocol.train_and_select(
            examples, evaluation, names, folds=folds, progress=lambda msg: (bar.set_postfix_str(msg), bar.update())
        )
    card = training.build_card(run.chosen, run.card_selection, examples, files)
    echo_training_report(card)
    if not with_feedback:
        path = save_model(run.pipeline, card, model_dir)
        click.echo(f"saved {path} (version {card['version']})")
        return
    from triage.classifier.versions import save_candidate

    version = save_candidate(model_dir, run.pipeline, card, held_rows)
    click.echo(f"saved candidate {version} in {model_dir / 'versions' / version} (not active: `triage model promote {version}`)")


def _pct(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.1%}"


def echo_training_report(card: dict) -> None:
    """The comparison table, the chosen threshold and move confidence, and the held-out check."""
    protocol, chosen = card["protocol"], card["model"]
    click.echo(
        f"\nmodels compared by {protocol['name']} (held out in turn: {', '.join(protocol['held_out'])});"
        f"\npooled out-of-kind predictions; threshold for {protocol['target_precision']:.0%} precision of auto-labels"
    )
    click.echo(f"{'model':34s} {'macroF1':>7s} {'thresh':>6s} {'auto-P':>6s} {'cover':>6s} {'move':>5s} {'reply':>6s} {'fit s':>6s}  speed")
    rows = sorted(card["comparison"].items(), key=lambda kv: -(kv[1]["macro_f1"] or 0.0))
    without = card["generated_corpus"].get("without")
    if without:
        rows.append((f"{chosen} no generated", without))
    for name, row in rows:
        mark = " *" if name == chosen else ""
        click.echo(
            f"{name + mark:34s} {row['macro_f1']:7.4f} {row['threshold']:6.3f} {_pct(row['auto_precision'])} "
            f"{_pct(row['auto_coverage'])} {row['move_confidence']:5.2f} {_pct(row['reply_accuracy'])} {row['fit_seconds']:6.1f}  "
            + ("ok" if row["within_speed_budget"] else "over budget")
        )
    kinds = sorted(protocol["scores"]["per_kind"])
    click.echo("\nout-of-kind accuracy per kind")
    click.echo(f"{'model':34s} " + " ".join(f"{k[:9]:>9s}" for k in kinds))
    for name, row in rows:
        click.echo(f"{name:34s} " + " ".join(f"{_pct(row['per_kind_accuracy'].get(k)):>9s}" for k in kinds))
    threshold, move = card["threshold_selection"], card["move_selection"]
    click.echo(
        f"\nchosen: {chosen}; review threshold {threshold['threshold']:.3f}: {threshold['auto_coverage']:.1%} of "
        f"out-of-kind messages labeled without review at {threshold['auto_precision']:.1%} precision "
        f"(target {threshold['target_precision']:.0%}; replies decided in context); standalone messages alone: "
        f"{_pct(threshold.get('standalone_auto_coverage')).strip()} at {_pct(threshold.get('standalone_auto_precision')).strip()}"
    )
    click.echo(
        f"move confidence {move['move_confidence']:.3f}: {move['moved']} of {move['replies']} replies move their "
        f"ticket; {_pct(move['accuracy']).strip()} of tickets rightly labeled after the reply"
    )
    replies = card["reply_training"]["measured"]
    if replies:
        click.echo("learning from replies' own text (replies in 5 folds, decided in context):")
        for option, row in replies.items():
            mark = " (used)" if option == card["reply_training"]["chosen"] else ""
            click.echo(f"  {option:6s} accuracy {_pct(row['accuracy'])}, kept right {_pct(row['kept_precision'])}, moved {row['moved']}{mark}")
    checked = card.get("held_out_check")
    if checked:
        click.echo("\nheld-out check (data/evaluation, never fit on), at that threshold and move confidence:")
        echo_scores(checked)


def echo_scores(scores: dict) -> None:
    """Per-label and per-kind scores with auto-label precision and coverage."""
    click.echo(f"{'label':22s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>7s} {'auto-P':>7s} {'cover':>7s}")
    for label, row in scores["per_label"].items():
        click.echo(
            f"{label:22s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:7.3f} {row['support']:7d} "
            f"{_pct(row['auto_precision']):>7s} {_pct(row['auto_coverage']):>7s}"
        )
    click.echo(f"{'macro-F1':22s} {'':9s} {'':7s} {scores['macro_f1']:7.4f}")
    click.echo(
        f"auto-labeled (no review): {_pct(scores['auto_coverage']).strip()} of {scores['count']} messages, "
        f"precision {_pct(scores['auto_precision']).strip()}"
    )
    per_kind = scores["per_kind"]
    if set(per_kind) - {"-"}:
        click.echo(f"\n{'kind':22s} {'count':>6s} {'right':>7s} {'macroF1':>7s} {'auto-P':>7s} {'cover':>7s}")
        for kind, row in per_kind.items():
            click.echo(
                f"{kind:22s} {row['count']:6d} {_pct(row['accuracy']):>7s} {row['macro_f1'] or 0.0:7.3f} "
                f"{_pct(row['auto_precision']):>7s} {_pct(row['auto_coverage']):>7s}"
            )


@click.command("evaluate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--show-misses/--no-show-misses", default=True, show_default=True)
@with_appcontext
def evaluate_command(paths: tuple[Path, ...], show_misses: bool) -> None:
    """Measure the model on labeled JSON Lines files (text, label; kind and context optional)."""
    from triage.classifier.training import evaluate, read_examples
    from triage.taxonomy import LABELS

    classifier = app_classifier()
    result = evaluate(classifier, [e for path in paths for e in read_examples(path)])
    click.echo(
        f"model {classifier.version} ({classifier.name}); threshold {classifier.threshold:.3f}, "
        f"move confidence {getattr(classifier, 'move_confidence', float('nan')):.3f}"
    )
    echo_scores(result.scores.as_dict())
    click.echo("\nconfusion matrix (rows: expected, columns: predicted)")
    short = [label[:6] for label in LABELS]
    click.echo(f"{'':22s} " + " ".join(f"{s:>6s}" for s in short))
    for label, row in zip(LABELS, result.confusion):
        click.echo(f"{label:22s} " + " ".join(f"{n:6d}" for n in row))
    if show_misses:
        click.echo(f"\nmisclassified: {len(result.misclassified)}")
        for expected, predicted, confidence, text in result.misclassified:
            click.echo(f"- expected {expected}, got {predicted} ({confidence:.2f}): {' '.join(text.split())[:160]}")


@click.command("split-evaluation")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=TRAINING_DIR, show_default=True)
@click.option("--evaluation", "evaluation_dir", type=click.Path(path_type=Path, file_okay=False), default=EVALUATION_DIR, show_default=True)
def split_evaluation_command(data_dir: Path, evaluation_dir: Path) -> None:
    """Move a seeded fifth of each hand-written kind (per label) to the frozen evaluation files (rerunnable)."""
    from triage.classifier.evaluation_split import split_kinds

    for kind, (training, evaluation) in split_kinds(data_dir / "written", evaluation_dir).items():
        click.echo(f"{kind:18s} training {training:5d}  evaluation {evaluation:5d}")


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
