"""The outbox recovery's question to the support mailbox: which of these Message-IDs does it
hold? Every email reply is Bcc'd there in the same SMTP transaction as the participant's copy
(settings.outbox_bcc), so a copy found means the server accepted that reply."""
from __future__ import annotations

import logging
from typing import Callable, Optional, Sequence

from triage.ingest.imap.connection import IMAP_FAILURES, ImapError, connect, failure, logout, ok, quote
from triage.settings import Settings

log = logging.getLogger(__name__)


def mailbox_lookup(settings: Settings) -> Optional[Callable[[Sequence[str]], Optional[set[str]]]]:
    """The lookup send_due hands to the recovery, or None without outbox_bcc (the fallback:
    replies in doubt are resent)."""
    if not settings.outbox_bcc:
        return None
    account = next(a for a in settings.imap_accounts if a.name == settings.outbox_bcc_account)  # settings checked it exists
    folder = settings.outbox_bcc_folder

    def look(message_ids: Sequence[str]) -> Optional[set[str]]:
        """The Message-IDs found in the folder; None when the mailbox could not be asked."""
        if not message_ids:
            return set()
        try:
            conn = connect(account, settings.imap)
        except ImapError as exc:  # its text has no secret
            log.warning("outbox: support mailbox not asked: %s", exc)
            return None
        try:
            ok(conn.select(quote(folder), readonly=True))
            found = set()
            for message_id in message_ids:
                data = ok(conn.uid("SEARCH", "HEADER", "Message-ID", quote(message_id)))
                if any(part and part.split() for part in data):
                    found.add(message_id)
            return found
        except IMAP_FAILURES as exc:
            log.warning("outbox: support mailbox not asked: %s", failure(account, exc, f"search {folder}"))
            return None
        finally:
            logout(conn)

    return look
