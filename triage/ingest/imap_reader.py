"""imaplib2's reader thread, changed to pass each message literal on whole.

imaplib2 runs two threads per connection: a reader splits what the socket gives into lines
and queues each one, and a handler takes them off the queue and assembles responses. A
message body arrives as a literal ({size} then that many bytes), so the stock reader queues
it line by line: about 60 queue hand-offs and debug-format calls for a 3 KB mail, which
cost more CPU than parsing the mail. This reader queues a literal as the pieces the socket
delivered, and the handler's own literal path (`_put_response` expecting data) takes any
piece no longer than what remains. Everything else goes through unchanged, line by line.

The reader counts a literal only where the handler does: a line of an untagged response
(or the rest of a response after a literal) that ends in {size}. So both threads agree on
where every literal starts and ends. Written against imaplib2 3.6 (pinned in requirements.txt).
"""
from __future__ import annotations

import re
import select
import threading
import time

from imaplib2 import imaplib2 as _stock  # the module, for its LOGOUT state

_LITERAL_END = re.compile(rb"\{(\d+)\}\r\n\Z")


class WholeLiterals:
    """Mixin for imaplib2.IMAP4 classes: a reader thread that queues literals whole."""

    if hasattr(select, "poll"):  # imaplib2's select() reader (other systems) stays as it is

        def _reader(self) -> None:  # imaplib2's thread target; its shape follows the stock poll reader
            threading.current_thread().name = self.identifier + "reader"
            poll = select.poll()
            poll.register(self.read_fd, select.POLLIN)
            partial = b""  # the start of a line whose end has not arrived
            literal = 0  # bytes of the current literal still to come
            after_literal = False  # the next line continues a response that had a literal
            rxzero = 0
            while not self.Terminate:
                try:
                    ready = poll.poll(10 if self.state == _stock.LOGOUT else self.read_poll_timeout * 1000)
                    if not ready:
                        continue
                    _fd, state = ready[0]
                    if state & select.POLLIN:
                        data = self.read(self.read_size)
                        if not data:
                            rxzero += 1
                            if rxzero > 5:
                                raise OSError("Too many read 0")
                            time.sleep(0.1)
                            continue
                        rxzero = 0
                        literal, after_literal, partial = self._queue_data(data, literal, after_literal, partial)
                        if self.TerminateReader and not partial:  # STARTTLS: stop after its response line
                            break
                    if state & ~select.POLLIN:
                        raise OSError(f"poll state {state}")
                except Exception as exc:  # as the stock reader: the handler aborts the connection
                    self.inq.put((self.abort, f"socket error: {type(exc).__name__} - {exc}"))
                    break
            poll.unregister(self.read_fd)

    def _queue_data(self, data: bytes, literal: int, after_literal: bool, partial: bytes) -> tuple[int, bool, bytes]:
        """Queue what `data` completes: literal pieces as they are, other lines one by one."""
        put = self.inq.put
        start, end = 0, len(data)
        while start < end:
            if literal:
                piece = data[start : start + literal]
                put(piece)
                literal -= len(piece)
                start += len(piece)
                continue
            stop = data.find(b"\n", start) + 1
            if not stop:
                partial += data[start:]
                break
            line, partial, start = partial + data[start:stop], b"", stop
            put(line)
            found = (after_literal or self._untagged(line)) and _LITERAL_END.search(line)
            literal, after_literal = (int(found.group(1)), True) if found else (0, False)
        return literal, after_literal, partial

    def _untagged(self, line: bytes) -> bool:
        """An untagged response as the handler recognizes one (its own patterns)."""
        if not line.startswith(b"* "):
            return False
        text = line[:-2]
        return bool(self.untagged_response_cre.match(text) or self.untagged_status_cre.match(text))
