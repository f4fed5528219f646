"""Classifier speed on one core, beside the bare model in the same run.

Prints batch throughput (messages/s) of the service's classify function and of the bare
vectorizer + predict_proba on already-normalized text (the limit), single-message
latency p50/p99 for both, scikit-learn's own TfidfVectorizer pair for reference, and
the peak memory of a process with the model loaded.

    .venv/bin/python bench/classify.py [--messages 20000] [--batch 500] [--candidate NAME]

--candidate fits that candidate of triage.classifier.candidates on the training corpus first
(a minute) and measures it instead of the committed model: how the comparison learns which
candidates are within the speed budget (>= 10,000 messages/s batch, p99 <= 5 ms single).
"""
from __future__ import annotations

import os

# One core, as the target says: pin BLAS threads before numpy loads, then the process.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.classifier.model import load_model  # noqa: E402
from triage.classifier.normalize import normalize  # noqa: E402

MIX_FILE = ROOT / "data" / "demo" / "messages.jsonl"


def realistic_mix(n: int) -> list[str]:
    """Emails and comments as they arrive (the demo set: 40% email, 60% Instagram)."""
    texts = [json.loads(line)["text"] for line in MIX_FILE.read_text().splitlines() if line.strip()]
    return [texts[i % len(texts)] for i in range(n)]


def throughput(fn, batches: list[list[str]]) -> float:
    start = time.perf_counter()
    count = 0
    for batch in batches:
        fn(batch)
        count += len(batch)
    return count / (time.perf_counter() - start)


def latencies_ms(fn, texts: list[str]) -> tuple[float, float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        fn([text])
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def peak_rss_mb(code: str) -> float:
    """Peak RSS of a fresh process running `code` (VmHWM: ru_maxrss would carry our own over exec)."""
    probe = "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    out = subprocess.run(
        [sys.executable, "-c", code + probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()[-1]
    return int(out) / 1024


def fitted_candidate(name: str):
    from triage.classifier.model import TrainedClassifier
    from triage.classifier.training import load_training, train_final, training_files

    examples, _ = load_training(training_files(ROOT / "data" / "training"), ROOT / "data" / "evaluation")
    return TrainedClassifier(pipeline=train_final(name, examples), card={}, threshold=0.5, name=name, version="candidate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=2_000)
    parser.add_argument("--candidate", default="", help="fit and measure this candidate instead of models/")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="the model directory to measure")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    model = load_model(args.models) if not args.candidate else fitted_candidate(args.candidate)
    pipeline = model.pipeline
    texts = realistic_mix(args.messages)
    normalized = [normalize(t) for t in texts]
    batches = [texts[i : i + args.batch] for i in range(0, len(texts), args.batch)]
    norm_batches = [normalized[i : i + args.batch] for i in range(0, len(normalized), args.batch)]
    print(f"model {model.version} ({model.name}); {len(texts)} messages, mean {statistics.mean(map(len, texts)):.0f} chars,"
          f" batches of {args.batch}, one core")

    model.predict(texts[: args.batch])  # warm the per-word cache once, as a running service has
    service = throughput(model.predict, batches)
    bare = throughput(pipeline.predict_proba, norm_batches)
    features = pipeline[0]
    reference = throughput(
        lambda b: pipeline[-1].predict_proba(features.reference_transform(b)), norm_batches[: max(1, len(norm_batches) // 4)]
    )
    norm_only = throughput(lambda b: [normalize(t) for t in b], batches)
    print("\nbatch throughput (messages/s)")
    print(f"  service classify (normalize + features + model)  {service:10,.0f}")
    print(f"  bare features + predict_proba, normalized input  {bare:10,.0f}   (the limit)")
    print(f"  ratio service / bare                             {service / bare:10.2f}")
    print(f"  normalize alone                                  {norm_only:10,.0f}")
    print(f"  scikit-learn TfidfVectorizer pair + same model   {reference:10,.0f}   (for reference)")

    sample = texts[: args.single]
    norm_sample = normalized[: args.single]
    s50, s99 = latencies_ms(model.predict, sample)
    b50, b99 = latencies_ms(pipeline.predict_proba, norm_sample)
    print("\nsingle-message latency (ms)      p50      p99")
    print(f"  service classify           {s50:8.3f} {s99:8.3f}")
    print(f"  bare predict_proba         {b50:8.3f} {b99:8.3f}")

    if args.candidate:
        return
    baseline = peak_rss_mb("import numpy, scipy, sklearn")
    loaded = peak_rss_mb(
        "from pathlib import Path\nfrom triage.classifier.model import load_model\n"
        f"m = load_model(Path({str(args.models)!r}))\nimport json\n"
        "t = [json.loads(l)['text'] for l in open('data/demo/messages.jsonl')]\nm.predict(t * 10)"
    )
    print("\npeak memory (RSS)")
    print(f"  python + numpy/scipy/sklearn imported   {baseline:7.1f} MB")
    print(f"  with the model loaded, 3,000 classified {loaded:7.1f} MB  (+{loaded - baseline:.1f} MB)")


if __name__ == "__main__":
    main()
