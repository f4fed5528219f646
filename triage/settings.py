"""Service settings, read from the environment in this one place.

Every setting has a working default so that `make run` needs no configuration;
`.env.example` documents each variable. Nothing else in the code reads os.environ.
"""
from __future__ import annotations

import json
import math
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The databases the service runs on, with the drivers requirements.txt installs
# (SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3).
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it and says what it must be."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: Optional[int] = None) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value in ("1", "true", "yes", "on")
    raise SettingsError(f"{name} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


def _secret(env: Mapping[str, str], name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (stripped); empty when unset."""
    if env.get(name):
        return env[name]
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"{name}_FILE: cannot read {path} ({exc.strerror}): create it or fix the path") from None
    return ""


AUTO_ASSIGN_MODES = ("off", "round_robin")
# A group is shown as a real pattern (list, member line) from this many active members on.
DEFAULT_GROUP_MIN_SIZE = 5
# Email attachments: the bytes of a file are kept up to this size, for at most this many files
# of one message (beyond either, the file is listed by name and size only).
DEFAULT_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_ATTACHMENTS_PER_MESSAGE = 10


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a number above 0, got {raw!r}")
    return value


IMAP_SECURITY = ("imaps", "starttls", "plain")


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox to ingest; the password never appears in repr or logs."""

    name: str
    host: str
    username: str
    password: str = field(repr=False, default="")
    port: int = 993
    security: str = "imaps"  # "imaps", "starttls", or "plain" (loopback tests only)
    folders: tuple[str, ...] = ("INBOX",)
    ca_file: Optional[str] = None  # extra CA bundle for a private server certificate
    mark_seen: bool = False  # opt-in: the mailbox is read-only (BODY.PEEK) by default
    move_to: Optional[str] = None  # opt-in: move imported mail to this folder
    backfill_days: Optional[int] = None  # first run: None means everything in the folder
    support_addresses: tuple[str, ...] = ()  # our own addresses: their mail is outbound
    idle: bool = False  # the scheduler also keeps an IMAP IDLE listener on each folder


@dataclass(frozen=True)
class ImapOptions:
    """How the email ingester paces itself; the same for every account."""

    fetch_chunk: int = 500
    max_message_bytes: int = 10 * 1024 * 1024
    idle_minutes: float = 25.0  # RFC 2177: re-issue IDLE before 29 minutes
    poll_seconds: float = 60.0  # when the server lacks IDLE
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    instance_path: Path = DEFAULT_INSTANCE
    thread_window_hours: int = 72
    import_batch_size: int = 200
    model_dir: Path = PROJECT_ROOT / "models"
    # How often a process asks which model version is active (triage.model_versions).
    model_check_seconds: float = 5.0
    max_message_chars: int = 100_000
    log_level: str = "INFO"
    # Web: cookies carry the Secure flag unless turned off for plain http on 127.0.0.1.
    session_cookie_secure: bool = True
    # The largest request body read (MAX_CONTENT_LENGTH; 413 beyond). No page uploads files
    # (attachments come by email); the largest form, a 10,000-character reply, is ~120 KB.
    max_request_bytes: int = 1024 * 1024
    claim_idle_minutes: int = 30
    # A queue row turns amber when its ticket is due within this many minutes (red once overdue).
    due_soon_minutes: int = 60
    auto_assign: str = "off"  # the default until a supervisor switches it in the team page
    # triage.logins: free failures per (username, address) and per address, then waits doubling to the cap.
    login_free_failures: int = 3
    login_address_free_failures: int = 30
    login_max_wait_minutes: int = 15
    proxy_hops: int = 0  # trusted proxies (load balancers) in front of the web app setting X-Forwarded-For
    session_idle_minutes: int = 60  # a browser's login ends after this long without a click
    # An ingest source whose last run is older than 3 intervals is shown as stalled.
    ingest_interval_minutes: int = 15
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "Kartu Prakerja <bantuan@prakerja.example>"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_seconds: int = 20
    # The outbox sender: mails a second, rows taken at a time, attempts before a reply fails,
    # and the first wait between attempts (it doubles).
    outbox_rate: float = 10.0
    outbox_batch_size: int = 20
    outbox_max_attempts: int = 8
    outbox_retry_seconds: int = 30
    # Outgoing mail is reported failing (/healthz 503, a banner on the agents' pages) when an
    # email reply has waited this long, or failed for good this recently (triage.health.mail_state).
    mail_stuck_minutes: int = 15
    # Drafts (what an agent typed and did not send or save) untouched this long are purged.
    draft_keep_days: int = 14
    # Personal data (UU No. 27/2022, triage.privacy): resolved tickets and noise are anonymized
    # this long after they closed; quarantined inputs lose their payload, login attempts are deleted.
    retention_resolved_days: int = 365
    retention_quarantine_days: int = 30
    retention_login_days: int = 30
    # The support mailbox every email reply is Bcc'd to (empty: off), in the same SMTP
    # transaction: a reply left in doubt by a killed sender is looked up there by its
    # Message-ID (outbox_bcc_account, outbox_bcc_folder) before it is sent again.
    outbox_bcc: str = ""
    outbox_bcc_account: str = ""
    outbox_bcc_folder: str = "INBOX"
    # Instagram: whose posts to read, as whom, and how much each run may cost.
    instagram_profiles: tuple[str, ...] = ()
    # The program's own account: its comments are replies to participants, not complaints.
    instagram_own_account: str = ""
    # Written once by `instaloader --login USER`; a secret (mode 0600, never in the repo).
    instagram_session_file: Optional[Path] = None
    instagram_last_posts: int = 12
    instagram_max_post_age_days: int = 0  # 0: no age limit, only the last N posts
    instagram_request_budget: int = 300
    # Scheduler: a job's lease lasts this long unless renewed (what a dead holder's job waits).
    lease_seconds: int = 60
    # `make run` only: a demo source that brings a few generated complaints every 20 s.
    demo_feed: bool = False
    # "text" for people, "json" (one object per line) for log collectors.
    log_format: str = "text"
    # The scheduler's own /metrics (classification latency, process) on 127.0.0.1; 0 = off.
    scheduler_metrics_port: int = 0
    imap_accounts: tuple[ImapAccount, ...] = ()
    imap: ImapOptions = ImapOptions()
    # Groups (triage.groups): one category's tickets sharing specifics or wording in the window.
    grouping: bool = True
    group_window_hours: int = 72
    group_min_size: int = DEFAULT_GROUP_MIN_SIZE
    # Surges (triage.surges): fewer members than this in the surge window is never a surge.
    surge_min_size: int = 10
    # Supervisors' addresses for the surge alert email (at most once per surge per hour); empty: off.
    surge_alert_to: tuple[str, ...] = ()
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES
    attachments_per_message: int = DEFAULT_ATTACHMENTS_PER_MESSAGE

    def with_overrides(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]


def _secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    """Return the configured key, or one kept in instance/ so sessions survive restarts."""
    if env.get("TRIAGE_SECRET_KEY"):
        return env["TRIAGE_SECRET_KEY"]
    key_file = Path(env.get("TRIAGE_SECRET_KEY_FILE", instance_path / "secret_key"))
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    except OSError as exc:
        raise SettingsError(
            f"cannot read or create the secret key file {key_file} ({exc.strerror}): set TRIAGE_SECRET_KEY, "
            "or let the service write TRIAGE_INSTANCE_PATH"
        ) from None
    return key


def _database_url(url: str) -> str:
    """The database URL, checked: SQLite or PostgreSQL through psycopg (the driver installed).

    The message never repeats the URL: it may hold a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "e.g. sqlite:////var/lib/triage/triage.sqlite3 or postgresql+psycopg://USER@HOST:5432/DB"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise SettingsError(f"TRIAGE_DATABASE_URL is not a database URL ({example})") from None
    if parsed.drivername not in DATABASE_SCHEMES:
        raise SettingsError(
            f"TRIAGE_DATABASE_URL must be a SQLite or PostgreSQL (psycopg) URL, got {parsed.drivername}:// ({example})"
        )
    return url


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name) or ""
    return tuple(dict.fromkeys(n.strip().lstrip("@").lower() for n in raw.split(",") if n.strip()))


def _session_file(env: Mapping[str, str], own_account: str) -> Optional[Path]:
    """The configured session file, else where `instaloader --login USER` writes it."""
    if env.get("TRIAGE_INSTAGRAM_SESSION_FILE"):
        return Path(env["TRIAGE_INSTAGRAM_SESSION_FILE"]).expanduser()
    if not own_account:
        return None
    from instaloader.instaloader import get_default_session_filename

    return Path(get_default_session_filename(own_account))


def _imap_password(env: Mapping[str, str], spec: Mapping[str, Any], name: str) -> str:
    """The account's password: TRIAGE_IMAP_PASSWORD_<NAME>, else a password file."""
    key = "TRIAGE_IMAP_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
    if env.get(key):
        return env[key]
    path = env.get(key + "_FILE") or spec.get("password_file")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"IMAP account {name!r}: cannot read password file {path}: {exc.strerror}") from None
    return ""


def _imap_accounts(env: Mapping[str, str]) -> tuple[ImapAccount, ...]:
    """Parse TRIAGE_IMAP_ACCOUNTS: a JSON list, or the path of a JSON file holding one."""
    raw = (env.get("TRIAGE_IMAP_ACCOUNTS") or "").strip()
    if not raw:
        return ()
    source = "TRIAGE_IMAP_ACCOUNTS"
    if not raw.startswith(("[", "{")):
        try:
            raw, source = Path(raw).read_text(), f"TRIAGE_IMAP_ACCOUNTS file {raw}"
        except OSError as exc:
            raise SettingsError(
                f"TRIAGE_IMAP_ACCOUNTS: cannot read {raw} ({exc.strerror}): give a JSON list or the path of a file holding one"
            ) from None
    try:
        specs = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(specs, list):
        raise SettingsError(f"{source} must be a JSON list of accounts, e.g. [{{\"name\": ..., \"host\": ..., \"username\": ...}}]")
    default_support = tuple(a.strip().lower() for a in env.get("TRIAGE_IMAP_SUPPORT_ADDRESSES", "").split(",") if a.strip())
    accounts = [_imap_account(env, spec, number, default_support) for number, spec in enumerate(specs, 1)]
    names = [a.name for a in accounts]
    for name in names:
        if names.count(name) > 1:
            raise SettingsError(f"TRIAGE_IMAP_ACCOUNTS: two accounts are named {name!r}; each needs its own name")
    return tuple(accounts)


def _imap_account(env: Mapping[str, str], spec: Any, number: int, default_support: tuple[str, ...]) -> ImapAccount:
    """One account of TRIAGE_IMAP_ACCOUNTS, every field checked (the message names the account)."""
    if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str) and spec[k].strip() for k in ("name", "host", "username")):
        raise SettingsError(f"TRIAGE_IMAP_ACCOUNTS account {number}: needs at least name, host and username (text)")
    name = spec["name"]
    where = f"IMAP account {name!r}"
    if "password" in spec:
        raise SettingsError(f"{where}: put the password in the environment or a file, not here")
    security = spec.get("security", "imaps")
    if security not in IMAP_SECURITY:
        raise SettingsError(f"{where}: security must be one of {', '.join(IMAP_SECURITY)}")

    def whole(key: str, default: Optional[int], low: int, high: Optional[int] = None) -> Optional[int]:
        value = spec.get(key, default)
        if value is None and default is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            limit = f"{low}..{high}" if high is not None else f"at least {low}"
            raise SettingsError(f"{where}: {key} must be a whole number ({limit}), got {value!r}")
        return value

    def flag(key: str) -> bool:
        value = spec.get(key, False)
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: {key} must be true or false, got {value!r}")
        return value

    def texts(key: str, default: list[str]) -> tuple[str, ...]:
        value = spec.get(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise SettingsError(f"{where}: {key} must be a list of names, got {value!r}")
        return tuple(value)

    def text(key: str) -> Optional[str]:
        value = spec.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise SettingsError(f"{where}: {key} must be text, got {value!r}")
        return value

    folders = texts("folders", ["INBOX"])
    if not folders:
        raise SettingsError(f"{where}: folders is empty; leave it out for INBOX")
    return ImapAccount(
        name=name,
        host=spec["host"],
        username=spec["username"],
        password=_imap_password(env, spec, name),
        port=whole("port", 993 if security == "imaps" else 143, 1, 65535),  # type: ignore[arg-type]
        security=security,
        folders=folders,
        ca_file=text("ca_file"),
        mark_seen=flag("mark_seen"),
        move_to=text("move_to"),
        backfill_days=whole("backfill_days", None, 0),
        idle=flag("idle"),
        support_addresses=tuple(a.lower() for a in texts("support_addresses", [])) or default_support,
    )


def _imap_options(env: Mapping[str, str]) -> ImapOptions:
    idle_minutes = _float(env, "TRIAGE_IMAP_IDLE_MINUTES", 25.0)
    if not 0 < idle_minutes < 29:
        raise SettingsError("TRIAGE_IMAP_IDLE_MINUTES must be above 0 and below 29 (RFC 2177)")
    return ImapOptions(
        fetch_chunk=_int(env, "TRIAGE_IMAP_FETCH_CHUNK", 500, minimum=1),
        max_message_bytes=_int(env, "TRIAGE_IMAP_MAX_MESSAGE_BYTES", 10 * 1024 * 1024, minimum=1),
        idle_minutes=idle_minutes,
        poll_seconds=_float(env, "TRIAGE_IMAP_POLL_SECONDS", 60.0),
        backoff_initial_seconds=_float(env, "TRIAGE_IMAP_BACKOFF_INITIAL_SECONDS", 1.0),
        backoff_max_seconds=_float(env, "TRIAGE_IMAP_BACKOFF_MAX_SECONDS", 300.0),
        timeout_seconds=_float(env, "TRIAGE_IMAP_TIMEOUT_SECONDS", 60.0),
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (TRIAGE_*)."""
    env = os.environ if env is None else env
    instance_path = Path(env.get("TRIAGE_INSTANCE_PATH", DEFAULT_INSTANCE))
    database_url = _database_url(env.get("TRIAGE_DATABASE_URL") or f"sqlite:///{instance_path / 'triage.sqlite3'}")
    own_account = (env.get("TRIAGE_INSTAGRAM_OWN_ACCOUNT") or "").strip().lstrip("@").lower()
    smtp_from = env.get("TRIAGE_SMTP_FROM") or "Kartu Prakerja <bantuan@prakerja.example>"
    imap_accounts = _imap_accounts(env)
    return Settings(
        database_url=database_url,
        secret_key=_secret_key(env, instance_path),
        instance_path=instance_path,
        thread_window_hours=_int(env, "TRIAGE_THREAD_WINDOW_HOURS", 72, minimum=0),
        import_batch_size=_int(env, "TRIAGE_IMPORT_BATCH_SIZE", 200, minimum=1),
        model_dir=Path(env.get("TRIAGE_MODEL_DIR", PROJECT_ROOT / "models")),
        model_check_seconds=_float(env, "TRIAGE_MODEL_CHECK_SECONDS", 5.0),
        max_message_chars=_int(env, "TRIAGE_MAX_MESSAGE_CHARS", 100_000, minimum=1),
        log_level=_choice(env, "TRIAGE_LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
        session_cookie_secure=_bool(env, "TRIAGE_SESSION_COOKIE_SECURE", True),
        max_request_bytes=_int(env, "TRIAGE_MAX_REQUEST_BYTES", 1024 * 1024, minimum=64 * 1024),
        claim_idle_minutes=_int(env, "TRIAGE_CLAIM_IDLE_MINUTES", 30, minimum=1),
        due_soon_minutes=_int(env, "TRIAGE_DUE_SOON_MINUTES", 60, minimum=0),
        auto_assign=_choice(env, "TRIAGE_AUTO_ASSIGN", AUTO_ASSIGN_MODES, "off"),
        login_free_failures=_int(env, "TRIAGE_LOGIN_FREE_FAILURES", 3, minimum=0),
        login_address_free_failures=_int(env, "TRIAGE_LOGIN_ADDRESS_FREE_FAILURES", 30, minimum=0),
        login_max_wait_minutes=_int(env, "TRIAGE_LOGIN_MAX_WAIT_MINUTES", 15, minimum=1),
        proxy_hops=_int(env, "TRIAGE_PROXY_HOPS", 0, minimum=0),
        session_idle_minutes=_int(env, "TRIAGE_SESSION_IDLE_MINUTES", 60, minimum=1),
        ingest_interval_minutes=_int(env, "TRIAGE_INGEST_INTERVAL_MINUTES", 15, minimum=1),
        smtp_host=env.get("TRIAGE_SMTP_HOST", "127.0.0.1"),
        smtp_port=_int(env, "TRIAGE_SMTP_PORT", 25, minimum=1),
        smtp_user=env.get("TRIAGE_SMTP_USER", ""),
        smtp_password=_secret(env, "TRIAGE_SMTP_PASSWORD"),
        smtp_from=smtp_from,
        smtp_starttls=_bool(env, "TRIAGE_SMTP_STARTTLS", False),
        smtp_ssl=_bool(env, "TRIAGE_SMTP_SSL", False),
        smtp_timeout_seconds=_int(env, "TRIAGE_SMTP_TIMEOUT_SECONDS", 20, minimum=1),
        outbox_rate=_float(env, "TRIAGE_OUTBOX_RATE", 10.0),
        outbox_batch_size=_int(env, "TRIAGE_OUTBOX_BATCH_SIZE", 20, minimum=1),
        outbox_max_attempts=_int(env, "TRIAGE_OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
        outbox_retry_seconds=_int(env, "TRIAGE_OUTBOX_RETRY_SECONDS", 30, minimum=1),
        mail_stuck_minutes=_int(env, "TRIAGE_MAIL_STUCK_MINUTES", 15, minimum=1),
        draft_keep_days=_int(env, "TRIAGE_DRAFT_KEEP_DAYS", 14, minimum=1),
        retention_resolved_days=_int(env, "TRIAGE_RETENTION_RESOLVED_DAYS", 365, minimum=1),
        retention_quarantine_days=_int(env, "TRIAGE_RETENTION_QUARANTINE_DAYS", 30, minimum=1),
        retention_login_days=_int(env, "TRIAGE_RETENTION_LOGIN_DAYS", 30, minimum=1),
        **_outbox_bcc(env, smtp_from, imap_accounts),
        instagram_profiles=_names(env, "TRIAGE_INSTAGRAM_PROFILES"),
        instagram_own_account=own_account,
        instagram_session_file=_session_file(env, own_account),
        instagram_last_posts=_int(env, "TRIAGE_INSTAGRAM_LAST_POSTS", 12, minimum=1),
        instagram_max_post_age_days=_int(env, "TRIAGE_INSTAGRAM_MAX_POST_AGE_DAYS", 0, minimum=0),
        instagram_request_budget=_int(env, "TRIAGE_INSTAGRAM_REQUEST_BUDGET", 300, minimum=1),
        lease_seconds=_int(env, "TRIAGE_LEASE_SECONDS", 60, minimum=1),
        demo_feed=_bool(env, "TRIAGE_DEMO_FEED", False),
        log_format=_choice(env, "TRIAGE_LOG_FORMAT", ("text", "json"), "text"),
        scheduler_metrics_port=_int(env, "TRIAGE_SCHEDULER_METRICS_PORT", 0, minimum=0),
        imap_accounts=_own_mail_is_outbound(imap_accounts, smtp_from, env),
        imap=_imap_options(env),
        grouping=_bool(env, "TRIAGE_GROUPING", True),
        group_window_hours=_int(env, "TRIAGE_GROUP_WINDOW_HOURS", 72, minimum=1),
        group_min_size=_int(env, "TRIAGE_GROUP_MIN_SIZE", DEFAULT_GROUP_MIN_SIZE, minimum=2),
        surge_min_size=_int(env, "TRIAGE_SURGE_MIN_SIZE", 10, minimum=2),
        surge_alert_to=_addresses(env, "TRIAGE_SURGE_ALERT_TO"),
        attachment_max_bytes=_int(env, "TRIAGE_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES, minimum=0),
        attachments_per_message=_int(env, "TRIAGE_ATTACHMENTS_PER_MESSAGE", DEFAULT_ATTACHMENTS_PER_MESSAGE, minimum=0),
    )


def _outbox_bcc(env: Mapping[str, str], smtp_from: str, accounts: tuple[ImapAccount, ...]) -> dict[str, str]:
    """TRIAGE_OUTBOX_BCC and the IMAP account (TRIAGE_OUTBOX_BCC_ACCOUNT) that reads that mailbox."""
    bcc = (_addresses(env, "TRIAGE_OUTBOX_BCC") or ("",))[0]
    account = (env.get("TRIAGE_OUTBOX_BCC_ACCOUNT") or "").strip()
    folder = (env.get("TRIAGE_OUTBOX_BCC_FOLDER") or "").strip() or "INBOX"
    if bcc and account not in {a.name for a in accounts}:
        raise SettingsError(
            "TRIAGE_OUTBOX_BCC needs TRIAGE_OUTBOX_BCC_ACCOUNT: the name of the TRIAGE_IMAP_ACCOUNTS account that reads "
            f"{bcc}, got {account!r}"
        )
    return {"outbox_bcc": bcc, "outbox_bcc_account": account if bcc else "", "outbox_bcc_folder": folder}


def _own_mail_is_outbound(accounts: tuple[ImapAccount, ...], smtp_from: str, env: Mapping[str, str]) -> tuple[ImapAccount, ...]:
    """With the Bcc on, the copies of our replies come in through the email ingester: their From
    is our sending address, which must read as outbound on every account, never a complaint."""
    own = (parseaddr(smtp_from)[1] or smtp_from).lower()
    if not (env.get("TRIAGE_OUTBOX_BCC") or "").strip() or not own:
        return accounts
    return tuple(a if own in a.support_addresses else replace(a, support_addresses=(*a.support_addresses, own)) for a in accounts)


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of email addresses, each checked to look like one."""
    found = tuple(dict.fromkeys(a.strip() for a in (env.get(name) or "").split(",") if a.strip()))
    for address in found:
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
            raise SettingsError(f"{name} must be comma-separated email addresses, got {address!r}")
    return found


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str, upper: bool = False) -> str:
    raw = (env.get(name) or default).strip()
    raw = raw.upper() if upper else raw
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw
