"""Benchmark email ingestion against a throwaway Dovecot: throughput, stages, memory, IDLE latency.

    .venv/bin/python bench/ingest_email.py [--sizes 5000,20000] [--postgres URL]

APPENDs N messages of a realistic mix, then measures in the same run: a bare stdlib imaplib
UID FETCH of the same messages (the ceiling), and the end-to-end ingest (fetch + parse +
classify + store + group) into SQLite and PostgreSQL, each in a child process so that its peak
RSS is its own; and the same ingest with grouping switched off (TRIAGE_GROUPING=0), off and on
alternating, to give what grouping adds per message. Needs root and the dovecot-imapd package,
like the tests.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dovecot import Dovecot, why_unavailable  # noqa: E402

ASKS = [
    "Insentif saya belum masuk padahal sertifikat sudah terbit sejak {d} hari yang lalu. Rekening BNI saya aktif.",
    "Saldo pelatihan saya masih sisa Rp {n}.000, apakah bisa dipakai untuk kelas lain di Tokopedia?",
    "Sertifikat belum terbit padahal saya sudah memberi ulasan dan rating di Pijar Mahir {d} hari lalu.",
    "Saya ganti nomor HP yang terhubung ke OVO, bagaimana supaya insentif gelombang {d} tetap masuk?",
    "Saya tidak lolos gelombang {d}, NIK saya katanya sudah dipakai orang lain. Mohon bantuannya.",
]
FILLER = ("Mohon dibantu ya min, saya sudah menunggu lama dan sudah mengikuti semua langkah di dashboard. "
          "Nomor peserta saya terlampir di bawah. Terima kasih banyak atas bantuannya. ")


def realistic_message(i: int, rng: random.Random) -> bytes:
    """70% plain text, 15% HTML alternative, 10% with a small attachment, 5% auto-replies."""
    ask = rng.choice(ASKS).format(d=rng.randint(2, 60), n=rng.randint(50, 900)) + "\n\n" + FILLER * rng.randint(1, 4)
    head = (f"From: Peserta {i % 3000} <peserta{i % 3000}@mail.example.com>\r\nTo: bantuan@prakerja.example\r\n"
            f"Subject: Keluhan Prakerja {i}\r\nDate: Fri, 20 Nov 2026 08:{i % 60:02d}:00 +0700\r\n"
            f"Message-ID: <bench-{i}-{uuid.uuid4().hex[:8]}@mail.example.com>\r\nMIME-Version: 1.0\r\n")
    kind = rng.random()
    if kind < 0.05:
        return (head + "Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                "Saya sedang cuti sampai minggu depan.\r\n").encode()
    if kind < 0.20:
        html = "<html><head><style>p{color:#333}</style></head><body>" + "".join(f"<p>{p}</p>" for p in ask.split("\n\n")) + "</body></html>"
        return (head + 'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
                + ask + "\r\n--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--ALT--\r\n").encode()
    if kind < 0.30:
        blob = "QUJD" * 5000  # ~20 KB of base64
        return (head + 'Content-Type: multipart/mixed; boundary="MIX"\r\n\r\n--MIX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
                + ask + '\r\n--MIX\r\nContent-Type: image/jpeg; name="bukti.jpg"\r\nContent-Disposition: attachment; filename="bukti.jpg"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n" + blob + "\r\n--MIX--\r\n").encode()
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + ask + "\r\n").encode()


def append_all(server: Dovecot, user: str, n: int) -> int:
    rng = random.Random(n)
    conn = server.client(user)
    total = 0
    for i in range(n):
        raw = realistic_message(i, rng)
        total += len(raw)
        conn.append("INBOX", None, None, raw)
    conn.logout()
    return total


def bare_fetch(server: Dovecot, user: str, chunk: int = 500) -> tuple[int, float]:
    """The ceiling: stdlib imaplib UID FETCH of every body, nothing else."""
    conn = server.client(user)
    conn.select("INBOX", readonly=True)
    start = time.perf_counter()
    _typ, data = conn.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    fetched = 0
    for k in range(0, len(uids), chunk):
        group = uids[k : k + chunk]
        _typ, rows = conn.uid("FETCH", b"%s:%s" % (group[0], group[-1]), "(UID BODY.PEEK[])")
        fetched += sum(1 for r in rows if isinstance(r, tuple))
    elapsed = time.perf_counter() - start
    conn.logout()
    return fetched, elapsed


def child(args: argparse.Namespace) -> None:
    """Ingest the user's mailbox into args.db once and print stage times and peak RSS as JSON."""
    import sqlalchemy as sa
    import sqlalchemy.orm as so

    from triage.classifier import load_classifier
    from triage.db import make_engine, writer_engine
    from triage.ingest import email_message, runner
    from triage.ingest.imap import source as imap_source
    from triage.models import TicketGroup
    from triage.schema import create_all
    from triage.pipeline import PipelineConfig
    from triage.settings import ImapAccount, ImapOptions

    engine = make_engine(args.db)
    backends: list[int] = []  # PostgreSQL server processes of this run's connections, for their CPU time
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", lambda dbapi_conn, _record: backends.append(dbapi_conn.info.backend_pid))
    create_all(engine)
    sessionmaker = so.sessionmaker(writer_engine(engine), expire_on_commit=False)  # as the jobs write
    timers: dict[str, float] = defaultdict(float)

    real_parse, real_items = email_message.parse_email, imap_source.folder_items

    def timed_parse(*a, **k):
        t = time.perf_counter()
        try:
            return real_parse(*a, **k)
        finally:
            timers["parse"] += time.perf_counter() - t

    def timed_items(*a, **k):
        gen = real_items(*a, **k)
        while True:
            t = time.perf_counter()
            try:
                item = next(gen)
            except StopIteration:
                timers["source"] += time.perf_counter() - t
                return
            timers["source"] += time.perf_counter() - t
            yield item

    classifier = load_classifier(ROOT / "models")

    class TimedClassifier:
        name, version, threshold = classifier.name, classifier.version, classifier.threshold

        def predict(self, texts):
            t = time.perf_counter()
            try:
                return classifier.predict(texts)
            finally:
                timers["classify"] += time.perf_counter() - t

    email_message.parse_email, imap_source.folder_items = timed_parse, timed_items
    anon = AnonPeak()
    account = ImapAccount(name="bench", host="127.0.0.1", port=args.port, security="plain", username=args.user,
                          password=args.password, support_addresses=("bantuan@prakerja.example",))
    options = ImapOptions(fetch_chunk=500, timeout_seconds=120)
    start, cpu_start = time.perf_counter(), time.process_time() + server_cpu(backends)
    fetch = imap_source.FolderFetch(account, "INBOX", options)
    config = PipelineConfig(grouping=args.grouping == "on")
    summary = runner.ingest(sessionmaker, fetch, TimedClassifier(), config, batch_size=500)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    cpu += server_cpu(backends)
    peak_anon = anon.stop()
    # What the database connections hold (SQLite's page cache, up to cache_size per connection)
    # is given back when they close: the rest is what ingestion itself kept.
    before_close = anon.current()
    with sessionmaker() as session:
        grouped = session.scalar(sa.select(sa.func.count()).select_from(TicketGroup))
    engine.dispose()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed pages back, so RssAnon shows it
    released = before_close - anon.current()
    stages = {
        "fetch": timers["source"] - timers["parse"],
        "parse": timers["parse"],
        "classify": timers["classify"],
        "store": total - timers["source"] - timers["classify"],
    }
    print(json.dumps({
        "status": summary.status, "groups": grouped, "read": summary.read, "total": total, "cpu": cpu, "stages": stages,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "peak_anon_mb": peak_anon, "released_by_close_mb": released,
    }))


def server_cpu(pids: list[int]) -> float:
    """CPU seconds the given (local) server processes have used so far (utime + stime)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def grouping_cost(server: Dovecot, user: str, name: str, sqlite: bool, args: argparse.Namespace) -> None:
    """Per-message time with grouping off and on, alternating runs into fresh databases.

    Wall time, and CPU time of this process plus, on PostgreSQL, of the server processes serving
    its connections (the machine is shared: CPU time is disturbed less by other work), medians
    and minima compared.
    """
    wall: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    groups = 0
    for _ in range(args.grouping_rounds):
        for mode in ("off", "on"):
            if sqlite:
                url, drop = f"sqlite:///{tempfile.mkdtemp()}/grouping.sqlite3", None
            else:
                url, drop = postgres_schema_url(args.postgres)
            try:
                result = run_child(server, user, url, mode)
            finally:
                if drop:
                    drop()
            wall[mode].append(result["total"] / result["read"] * 1000)
            cpu[mode].append(result["cpu"] / result["read"] * 1000)
            groups = result["groups"] if mode == "on" else groups

    def med(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    for what, times in (("wall", wall), ("cpu", cpu)):
        off, on = med(times["off"]), med(times["on"])
        print(f"   grouping {name} {what}: per message off {off:.3f} ms, on {on:.3f} ms, adds {on / off - 1:+.1%} by medians, "
              f"{min(times['on']) / min(times['off']) - 1:+.1%} by minima (target <= +10%; {args.grouping_rounds} alternating runs: "
              f"off {', '.join(f'{t:.3f}' for t in times['off'])}; on {', '.join(f'{t:.3f}' for t in times['on'])})")
    print(f"   grouping {name}: {groups} groups")


class AnonPeak:
    """Peak anonymous memory (RssAnon), sampled every 20 ms: what the process allocated itself.

    Plain RSS also counts the pages of the SQLite file that the engine maps (mmap_size) and
    those grow with the database, not with what the ingester holds.
    """

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    self.peak = max(self.peak, int(line.split()[1]))

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return self.peak / 1024

    @staticmethod
    def current() -> float:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("RssAnon:")) / 1024


def run_child(server: Dovecot, user: str, db: str, grouping: str = "on") -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--user", user, "--port", str(server.port), "--password", server.password, "--db", db,
         "--grouping", grouping],
        capture_output=True, text=True,
    )
    if out.returncode:
        sys.exit(f"bench child failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_schema_url(base: str) -> tuple[str, callable]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def watch_inbox(sessionmaker, account, classifier, stop: threading.Event) -> threading.Thread:
    """The IDLE watcher of the account's INBOX in a thread, as the scheduler's listener job runs it."""
    from triage.ingest import runner
    from triage.ingest.imap.source import watch_folder
    from triage.pipeline import PipelineConfig
    from triage.settings import ImapOptions

    runs = watch_folder(account, "INBOX", ImapOptions(timeout_seconds=30), stop)
    thread = threading.Thread(target=runner.watch, args=(sessionmaker, runs, classifier, PipelineConfig()),
                              kwargs={"should_stop": stop.is_set}, daemon=True)
    thread.start()
    return thread


RESTART_DOWN_SECONDS = (1.0, 1.0, 8.0, 8.0)  # a quick restart, and a slow one


def restart_latency(server: Dovecot) -> list[tuple[float, int]]:
    """Per restart: seconds from the restart's end to the last mail stored, and mail lost or doubled."""
    import imaplib as stdlib_imaplib

    import sqlalchemy as sa
    import sqlalchemy.orm as so

    from triage.classifier import load_classifier
    from triage.db import make_engine
    from triage.models import Message
    from triage.schema import create_all
    from triage.settings import ImapAccount

    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/restart.sqlite3")
    create_all(engine)
    sessionmaker = so.sessionmaker(engine, expire_on_commit=False)
    user = f"restart{uuid.uuid4().hex[:6]}@example.test"
    account = ImapAccount(name="restart", host="127.0.0.1", port=server.port, security="plain", username=user, password=server.password)
    stop, sending = threading.Event(), threading.Event()
    threads = [watch_inbox(sessionmaker, account, load_classifier(ROOT / "models"), stop)]
    sent: list[str] = []

    def keep_sending() -> None:  # an MTA that queues while the server is down
        rng, i = random.Random(7), 10_000
        while sending.is_set():
            raw = realistic_message(i, rng)
            while True:
                try:
                    server.append(user, raw)
                    break
                except (OSError, stdlib_imaplib.IMAP4.error):
                    time.sleep(0.05)
            sent.append(raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0].decode())
            i += 1
            time.sleep(0.2)

    def stored() -> list[str]:
        with sessionmaker() as s:
            return s.scalars(sa.select(Message.source_id)).all()

    results = []
    try:
        for down in RESTART_DOWN_SECONDS:
            sending.set()
            sender = threading.Thread(target=keep_sending)
            sender.start()
            time.sleep(2)
            server.restart(down_seconds=down)
            done = time.perf_counter()
            time.sleep(0.5)
            sending.clear()
            sender.join()
            while sent[-1] not in stored() and time.perf_counter() - done < 120:
                time.sleep(0.01)
            have = stored()
            results.append((time.perf_counter() - done, len(have) - len(set(have)) + len(set(sent) - set(have))))
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    return results


def idle_latency(server: Dovecot, samples: int = 5) -> list[float]:
    """Seconds from APPEND to a stored message with the IDLE watcher running."""
    import sqlalchemy as sa
    import sqlalchemy.orm as so

    from triage.classifier import load_classifier
    from triage.db import make_engine, writer_engine
    from triage.models import Message
    from triage.schema import create_all
    from triage.settings import ImapAccount

    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/idle.sqlite3")
    create_all(engine)
    sessionmaker = so.sessionmaker(writer_engine(engine), expire_on_commit=False)  # as the jobs write
    user = f"idle{uuid.uuid4().hex[:6]}@example.test"
    server.append(user, realistic_message(0, random.Random(0)))
    account = ImapAccount(name="idle", host="127.0.0.1", port=server.port, security="plain", username=user, password=server.password)
    stop = threading.Event()
    threads = [watch_inbox(sessionmaker, account, load_classifier(ROOT / "models"), stop)]

    def stored() -> int:
        with sessionmaker() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(Message))

    latencies = []
    try:
        while stored() < 1:
            time.sleep(0.01)
        for k in range(1, samples + 1):
            time.sleep(0.5)
            start = time.perf_counter()
            server.append(user, realistic_message(k, random.Random(k)))
            while stored() < k + 1:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - start)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL (a schema is created and dropped); empty to skip")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--user"), parser.add_argument("--port", type=int)
    parser.add_argument("--password"), parser.add_argument("--db")
    parser.add_argument("--grouping", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    parser.add_argument("--grouping-rounds", type=int, default=3, help="off/on pairs per database for the grouping cost")
    parser.add_argument("--skip-idle", action="store_true", help="throughput only: no IDLE latency or restart runs")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    reason = why_unavailable()
    if reason:
        sys.exit(f"cannot run: {reason}")
    server = Dovecot()
    server.start()
    rss: dict[int, float] = {}
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            user = f"bench{n}-{uuid.uuid4().hex[:6]}@example.test"
            t = time.perf_counter()
            size = append_all(server, user, n)
            print(f"\n== N={n}: appended {n} messages ({size / n / 1024:.1f} KiB average) in {time.perf_counter() - t:.1f} s")
            fetched, bare = bare_fetch(server, user)
            print(f"bare imaplib UID FETCH: {fetched} messages in {bare:.2f} s = {fetched / bare:,.0f} msg/s")
            backends = [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", None)]
            if args.postgres:
                url, drop = postgres_schema_url(args.postgres)
                backends.append(("postgresql", url, drop))
            for name, url, drop in backends:
                try:
                    result = run_child(server, user, url)
                finally:
                    if drop:
                        drop()
                rate = result["read"] / result["total"]
                st = result["stages"]
                print(f"end-to-end {name:<10}: {result['read']} messages in {result['total']:.2f} s = {rate:,.0f} msg/s "
                      f"({rate / (fetched / bare):.1%} of bare fetch), status {result['status']}, peak RSS {result['peak_rss_mb']:.0f} MB "
                      f"(anonymous {result['peak_anon_mb']:.0f} MB, of which {result['released_by_close_mb']:.0f} MB "
                      "given back when the database connections close)")
                print("   stages: " + ", ".join(f"{k} {v:.2f} s ({v / result['total']:.0%})" for k, v in st.items()))
                if name == "sqlite":
                    rss[n] = (result["peak_rss_mb"], result["peak_anon_mb"], result["released_by_close_mb"])
                grouping_cost(server, user, name, name == "sqlite", args)
        if len(rss) >= 2:
            (n1, (r1, a1, c1)), (n2, (r2, a2, c2)) = sorted(rss.items())[0], sorted(rss.items())[-1]
            print(f"\npeak RSS (SQLite run): N={n1}: {r1:.0f} MB, N={n2}: {r2:.0f} MB, growth {r2 / r1 - 1:+.1%} (target < +20%); "
                  f"anonymous memory {a1:.0f} -> {a2:.0f} MB, growth {a2 / a1 - 1:+.1%} (the rest is the mapped database file); "
                  f"without what the connections hold (SQLite's page cache, bounded by cache_size) {a1 - c1:.0f} -> "
                  f"{a2 - c2:.0f} MB, growth {(a2 - c2) / (a1 - c1) - 1:+.1%}")
        if args.skip_idle:
            return
        lat = idle_latency(server)
        print(f"IDLE: append -> ticket latency over {len(lat)} mails: median {sorted(lat)[len(lat) // 2]:.2f} s, "
              f"max {max(lat):.2f} s (target < 2 s)")
        after = restart_latency(server)
        print("IDLE across Dovecot restarts, mail arriving throughout: the last mail stored "
              + ", ".join(f"{s:.1f} s (down {d:.0f} s)" for d, (s, _) in zip(RESTART_DOWN_SECONDS, after))
              + f" after the restart completed (target < 5 s); lost or duplicated: {sum(bad for _, bad in after)}")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
