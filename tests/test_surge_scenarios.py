"""A small surge scenario through the real pipeline and model (the week-long ones are in
bench/surge_scenarios.py): the surge is grouped and flagged, the near-misses stay out of it."""
from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta

from triage.classifier import load_classifier
from triage.settings import PROJECT_ROOT, Settings

SCENARIOS = PROJECT_ROOT / "data" / "scenarios"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SCENARIOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


week, measure = _load("surge_week"), _load("measure")


def _other_wave(rng):  # the same category, another wave: always says which
    return rng.choice(["insentif bulan ke-3 gelombang 47 belum masuk ke LinkAja", "gel 47 insentif ketiga belum cair di linkaja",
                       "peserta gelombang 47, termin 3 ke LinkAja belum masuk"])


def _other_category(rng):  # the same specifics, another category: the account, not the money
    return rng.choice(["mau ganti nomor HP akun LinkAja saya, peserta gelombang 48", "akun LinkAja saya terblokir, gelombang 48, bagaimana?",
                       "nomor LinkAja saya hilang, gelombang 48, bisa ganti e-wallet?"])


def test_a_surge_is_grouped_and_flagged_and_its_near_misses_stay_out(sessionmaker):
    day = timedelta(days=1)
    surges = [
        week.Surge("S1", "missing_incentive", week._mi_surge(48, 3, "LinkAja"), 40, 2 * day + timedelta(hours=3), 2,
                   specifics=(("wave", "48"), ("month", "3"), ("payout", "linkaja"))),
        week.Surge("N1", "missing_incentive", _other_wave, 8, 2 * day + timedelta(hours=2), 5, surge=False),
        week.Surge("N2", "payment_account", _other_category, 8, 2 * day + timedelta(hours=2), 5, surge=False),
    ]
    rows = week.generate(seed=3, days=3, per_day=40, surges=surges)
    settings = Settings(database_url="sqlite://", secret_key="test")
    result = measure.replay(sessionmaker, rows, load_classifier(PROJECT_ROOT / "models"), settings, batch_minutes=30)
    with sessionmaker() as session:
        score = measure.score(session, rows, result, surges)
    [surge] = score.surges
    assert surge.recall >= 0.7 and surge.precision >= 0.9, surge
    assert surge.flagged_after is not None and surge.flagged_after <= timedelta(hours=1), surge
    assert score.flag_precision == 1.0, score.flagged
    assert score.near_misses["N1"]["in_a_surge_group"] == 0 and score.near_misses["N2"]["in_a_surge_group"] == 0
    assert not score.near_misses["N1"]["own_group_flagged"]
