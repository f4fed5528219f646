"""Start-up time of the `triage` command: `--help` and `runs` against a bare `python -c pass`.

Every figure is the median of N fresh processes, all measured in the same run (one after the
other, round by round) so a busy machine shifts them together: wall time, and the CPU time
(user + system) the process used, which other work on the machine disturbs less. `triage runs`
reads a migrated SQLite database of its own in a temporary directory.

    .venv/bin/python bench/startup.py [--runs 7]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = str(Path(sys.executable).parent / "triage")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return elapsed, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per command (the median is shown)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="triage-startup-") as tmp:
        env = dict(os.environ)
        env.update(
            TRIAGE_DATABASE_URL=f"sqlite:///{Path(tmp) / 'startup.sqlite3'}",
            TRIAGE_INSTANCE_PATH=str(Path(tmp) / "instance"),
            TRIAGE_SECRET_KEY="bench-startup",
        )
        env.pop("TRIAGE_IMAP_ACCOUNTS", None)
        subprocess.run([TRIAGE, "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "triage --help": [TRIAGE, "--help"],
            "triage runs": [TRIAGE, "runs"],
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        timed(commands["triage --help"], env)  # warm the file cache once, not measured
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(argv, env))

    bare = statistics.median(wall for wall, _ in times["python -c pass"])
    print(f"median of {args.runs} processes each; {os.cpu_count()} cores; load average {load:.2f} at the start")
    print(f"{'command':16s} {'wall s':>7s} {'min s':>7s} {'max s':>7s} {'x bare':>7s} {'cpu s':>7s}")
    for name, values in times.items():
        walls = [wall for wall, _ in values]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:16s} {median:7.3f} {min(walls):7.3f} {max(walls):7.3f} {median / bare:7.1f} {cpu:7.3f}")


if __name__ == "__main__":
    main()
