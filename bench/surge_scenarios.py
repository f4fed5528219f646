"""Grouping and surge quality on hand-written scenarios, through the real pipeline and model.

    .venv/bin/python bench/surge_scenarios.py [--url URL] [--seeds 15,16,17] [--per-day 200]

Each seed is a week of varied complaints with five surges (one problem, many people, varied
wording, within hours) and near-misses beside them (data/scenarios/surge_week.py), replayed in
10-minute batches with the surge job every hour (data/scenarios/measure.py). Prints per surge the
precision and recall of its group (per surge, not pairwise: see measure.py; rec|lab is the recall
among the members the model gave the surge's category, as groups never cross categories; prec* counts the
background tickets that are the same problem by definition, week is the precision / size at the
end of the week, the group having taken members for its window since), the surge flag's
precision and recall, how long after the first member each surge was flagged, what became of
the near-misses, and the pipeline's time per message.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "data" / "scenarios" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


scenario, measure = _load("surge_week"), _load("measure")


def run_seed(url: str, seed: int, per_day: int, classifier, settings) -> "measure.Score":
    import sqlalchemy.orm as so

    from triage.db import make_engine, writer_engine
    from triage.schema import create_all

    engine = make_engine(url)
    create_all(engine)
    sessionmaker = so.sessionmaker(writer_engine(engine), expire_on_commit=False)
    rows = scenario.generate(seed=seed, per_day=per_day)
    result = measure.replay(sessionmaker, rows, classifier, settings)
    with sessionmaker() as session:
        score = measure.score(session, rows, result, scenario.week_scenario())
    engine.dispose()
    print(f"\n== seed {seed}: {len(rows)} messages ({sum(r['truth'] == 'bg' for r in rows)} background), "
          f"{result.seconds / result.messages * 1000:.2f} ms per message through the pipeline and the surge job")
    print(f"{'surge':5} {'people':>6} {'label ok':>8} {'group':>6} {'in it':>5} {'size':>5} {'prec':>5} {'recall':>6} "
          f"{'rec|lab':>7} {'prec*':>5} {'week':>9} {'flagged after':>13} {'at size':>7}  name")
    for s in score.surges:
        after = f"{s.flagged_after.total_seconds() / 60:.0f} min" if s.flagged_after is not None else "never"
        week = f"{s.week_precision:.2f}/{s.week_size}"
        print(f"{s.truth:5} {s.people:>6} {s.labelled:>8} {s.group_id or '-':>6} {s.in_group:>5} {s.group_size:>5} "
              f"{s.precision:>5.2f} {s.recall:>6.2f} {s.labelled_recall:>7.2f} {s.problem_precision:>5.2f} {week:>9} {after:>13} "
              f"{s.flagged_size or '-':>7}  {s.name}")
    for truth, near in score.near_misses.items():
        print(f"near-miss {truth}: {near['people']} people, {near['in_a_surge_group']} in a surge's group, "
              f"own group flagged: {near['own_group_flagged']}")
    print(f"surge flag: {len(score.flagged)} groups flagged, precision {score.flag_precision:.2f}, recall {score.flag_recall:.2f}")
    for group_id, name, ok in score.flagged:
        if not ok:
            print(f"   false surge: group {group_id} {name}")
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="database URL (default: a new SQLite file per seed)")
    parser.add_argument("--seeds", default="15,16,17")
    parser.add_argument("--per-day", type=int, default=200, help="background messages per day")
    args = parser.parse_args()

    from triage.classifier import load_classifier
    from triage.settings import Settings

    classifier = load_classifier(ROOT / "models")
    settings = Settings(database_url="sqlite://", secret_key="bench")  # the defaults: what production runs
    print(f"model {classifier.version} ({classifier.name}); group window {settings.group_window_hours} h, "
          f"surge minimum {settings.surge_min_size}, group minimum {settings.group_min_size}")
    scores = []
    for seed in (int(s) for s in args.seeds.split(",")):
        url = args.url or f"sqlite:///{tempfile.mkdtemp()}/scenario.sqlite3"
        scores.append(run_seed(url, seed, args.per_day, classifier, settings))
    every = [s for score in scores for s in score.surges]
    print(f"\n== all seeds: {len(every)} surges; per surge precision min {min(s.precision for s in every):.2f} "
          f"mean {sum(s.precision for s in every) / len(every):.2f} (prec* min {min(s.problem_precision for s in every):.2f}), "
          f"recall min {min(s.recall for s in every):.2f} mean {sum(s.recall for s in every) / len(every):.2f} (of the rightly "
          f"labelled: min {min(s.labelled_recall for s in every):.2f}); surge flag precision "
          f"{sum(sum(ok for *_, ok in sc.flagged) for sc in scores) / max(1, sum(len(sc.flagged) for sc in scores)):.2f}, "
          f"recall {sum(s.flagged_after is not None for s in every) / len(every):.2f}; near-miss members in a surge's group: "
          f"{sum(n['in_a_surge_group'] for sc in scores for n in sc.near_misses.values())}")


if __name__ == "__main__":
    main()
