"""Start-up: commands and the web app that classify nothing never import scikit-learn.

The model is loaded where something is classified, once per process; /healthz reports its
state from the model card without loading it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from builders import process_env
from triage.settings import PROJECT_ROOT

MODELS = PROJECT_ROOT / "models"
HEAVY = ("sklearn", "skops", "numpy", "scipy")
TRIAGE = str(Path(sys.executable).parent / "triage")

# Prints which heavy modules the process imported, whatever way it exits.
REPORT_HEAVY = (
    "import atexit, sys\n"
    f"atexit.register(lambda: print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr))\n"
)


_env = process_env


def _heavy_modules(stderr: str) -> list[str]:
    line = next(line for line in stderr.splitlines() if line.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


def _run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", REPORT_HEAVY + code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


def test_importing_the_cli_and_creating_the_app_import_no_scikit_learn(database_url, tmp_path):
    code = (
        "import json\n"
        "import triage.cli.console\n"
        "from triage import create_app\n"
        "app = create_app()\n"
        "print(json.dumps(app.test_client().get('/healthz').get_json()))\n"
    )
    done = _run_python(code, _env(database_url, tmp_path))
    assert done.returncode == 0, done.stderr
    assert _heavy_modules(done.stderr) == []
    model = json.loads(done.stdout.splitlines()[-1])["model"]
    card = json.loads((MODELS / "model_card.json").read_text())
    assert model == {"state": "not loaded", "name": card["model"], "version": card["version"], "threshold": card["threshold"]}


@pytest.mark.parametrize("argv", [["--help"], ["runs"], ["db", "current"], ["users", "--help"]])
def test_commands_that_classify_nothing_import_no_scikit_learn(database_url, tmp_path, argv):
    env = _env(database_url, tmp_path)
    subprocess.run([TRIAGE, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    done = _run_python(f"import sys\nsys.argv = ['triage', *{argv!r}]\nfrom triage.cli.console import main\nmain()\n", env)
    assert done.returncode == 0, done.stderr
    assert _heavy_modules(done.stderr) == []


def test_classify_loads_the_model_and_healthz_then_says_loaded(app, client, runner):
    assert client.get("/healthz").get_json()["model"]["state"] == "not loaded"
    result = runner.invoke(args=["classify", "min insentif gel 9 blm masuk udh 2 bulan"])
    assert result.exit_code == 0, result.output
    assert "label:        missing_incentive" in result.output
    report = client.get("/healthz").get_json()
    assert report["model"]["state"] == "loaded" and report["status"] == "ok"


def test_classify_command_in_its_own_process_loads_the_model(database_url, tmp_path):
    done = subprocess.run(
        [TRIAGE, "classify", "sertifikat belum terbit padahal sudah kasih ulasan dan rating"],
        env=_env(database_url, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "label:        certificate_pending" in done.stdout


@pytest.mark.parametrize("damage", ["no card", "bad json", "no model file", "other labels"])
def test_healthz_reports_a_broken_model_without_loading_it(app, client, tmp_path, damage):
    model_dir = tmp_path / "models"
    shutil.copytree(MODELS, model_dir)
    card_file = model_dir / "model_card.json"
    if damage == "no card":
        card_file.unlink()
    elif damage == "bad json":
        card_file.write_text('{"model": "tfidf_logreg",')
    elif damage == "no model file":
        (model_dir / "classifier.skops").unlink()
    else:
        card = json.loads(card_file.read_text())
        card["labels"] = card["labels"][::-1]
        card_file.write_text(json.dumps(card))
    from triage.classifier import ModelSlot

    app.extensions["triage.model"] = ModelSlot(model_dir)
    response = client.get("/healthz")
    assert response.status_code == 503
    model = response.get_json()["model"]
    assert model["state"] == "failed" and "triage train" in model["error"]


def test_the_model_loads_once_for_threads_asking_at_once(tmp_path, monkeypatch):
    import triage.classifier.model as model_module
    from triage.classifier import ModelSlot

    model_dir = tmp_path / "models"  # a path no earlier test loaded: this process has no copy yet
    shutil.copytree(MODELS, model_dir)
    loads = []
    real_load = model_module.load_model

    def counting_load(path):
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(model_module, "load_model", counting_load)
    slot = ModelSlot(model_dir)
    barrier = threading.Barrier(8)
    got = []

    def ask() -> None:
        barrier.wait()
        got.append(slot.load())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == 8 and all(m is got[0] for m in got)
    assert loads == [model_dir]
    assert slot.state()["state"] == "loaded"
