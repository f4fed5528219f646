"""Make SIGTERM and SIGHUP stop a test run the way Ctrl-C does.

pytest tears fixtures down after a KeyboardInterrupt, but a SIGTERM (a CI timeout, `kill`)
ends the process at once: no fixture teardown, no `finally`, no atexit, so every server a
test started would keep running.
"""
from __future__ import annotations

import signal
import threading

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, _frame: object) -> None:
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_DFL)  # a second signal ends the process at once
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


def sigterm_raises_keyboard_interrupt() -> None:
    """Install the handler where nobody installed one of their own (only the main thread can)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _interrupt)
