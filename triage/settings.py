"""Service settings, read from the environment in this one place.

Every setting has a working default so that `make run` needs no configuration;
`.env.example` documents each variable. Nothing else in the code reads os.environ.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    instance_path: Path = DEFAULT_INSTANCE
    thread_window_hours: int = 72
    import_batch_size: int = 200
    model_dir: Path = PROJECT_ROOT / "models"
    # Used by the keyword rules; a trained model carries its own threshold.
    review_threshold: float = 0.5
    max_message_chars: int = 100_000
    log_level: str = "INFO"
    # Instagram: whose posts to read, as whom, and how much each run may cost.
    instagram_profiles: tuple[str, ...] = ()
    # The program's own account: its comments are replies to participants, not complaints.
    instagram_own_account: str = ""
    # Written once by `instaloader --login USER`; a secret (mode 0600, never in the repo).
    instagram_session_file: Optional[Path] = None
    instagram_last_posts: int = 12
    instagram_max_post_age_days: int = 0  # 0: no age limit, only the last N posts
    instagram_request_budget: int = 300

    def with_overrides(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]


def _secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    """Return the configured key, or one kept in instance/ so sessions survive restarts."""
    if env.get("TRIAGE_SECRET_KEY"):
        return env["TRIAGE_SECRET_KEY"]
    key_file = Path(env.get("TRIAGE_SECRET_KEY_FILE", instance_path / "secret_key"))
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (TRIAGE_*)."""
    env = os.environ if env is None else env
    instance_path = Path(env.get("TRIAGE_INSTANCE_PATH", DEFAULT_INSTANCE))
    database_url = env.get("TRIAGE_DATABASE_URL") or f"sqlite:///{instance_path / 'triage.sqlite3'}"
    own_account = (env.get("TRIAGE_INSTAGRAM_OWN_ACCOUNT") or "").strip().lstrip("@").lower()
    return Settings(
        database_url=database_url,
        secret_key=_secret_key(env, instance_path),
        instance_path=instance_path,
        thread_window_hours=_int(env, "TRIAGE_THREAD_WINDOW_HOURS", 72),
        import_batch_size=_int(env, "TRIAGE_IMPORT_BATCH_SIZE", 200),
        model_dir=Path(env.get("TRIAGE_MODEL_DIR", PROJECT_ROOT / "models")),
        review_threshold=_float(env, "TRIAGE_REVIEW_THRESHOLD", 0.5),
        max_message_chars=_int(env, "TRIAGE_MAX_MESSAGE_CHARS", 100_000),
        log_level=env.get("TRIAGE_LOG_LEVEL", "INFO"),
        instagram_profiles=_names(env, "TRIAGE_INSTAGRAM_PROFILES"),
        instagram_own_account=own_account,
        instagram_session_file=_session_file(env, own_account),
        instagram_last_posts=_int(env, "TRIAGE_INSTAGRAM_LAST_POSTS", 12),
        instagram_max_post_age_days=_int(env, "TRIAGE_INSTAGRAM_MAX_POST_AGE_DAYS", 0),
        instagram_request_budget=_int(env, "TRIAGE_INSTAGRAM_REQUEST_BUDGET", 300),
    )
