"""Logging setup: text for people or JSON lines for collectors, with secrets redacted.

Secrets (the secret key, SMTP and IMAP passwords) are replaced wherever they would
appear in a log line, including exception texts; message bodies are never logged at INFO.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Iterable

from triage.settings import Settings

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_text or record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}
        return line + ("  " + " ".join(f"{k}={v}" for k, v in extra.items()) if extra else "")


def settings_secrets(settings: Settings) -> list[str]:
    found = [settings.secret_key, settings.smtp_password]
    found += [getattr(account, "password", "") for account in getattr(settings, "imap_accounts", ())]
    return found


def configure_logging(settings: Settings) -> None:
    """Route the service's logs to stderr in the configured format, secrets redacted."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(settings_secrets(settings)))
    root = logging.getLogger("triage")
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    root.propagate = False
    # A listener job outlasting its interval is expected; APScheduler would warn each tick.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
