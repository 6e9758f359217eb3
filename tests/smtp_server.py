"""A real SMTP server on a free loopback port, for tests that send mail over the wire.

It keeps every message it accepts and, while `refusing` is set, answers each sender with a
temporary failure (451), as a busy mail server does, so retries can be tested without a mock.
"""

from __future__ import annotations

import re
import socket
import threading


class LocalSmtpServer:
    """Accepts connections on 127.0.0.1 in threads of its own until closed."""

    def __init__(self, refusing: bool = False) -> None:
        self.refusing = refusing
        self.refused = 0
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def __enter__(self) -> LocalSmtpServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self.server.close()
        self.thread.join(timeout=5)

    def subjects(self) -> list[str]:
        """The subject line of each message received, in order."""
        with self.lock:
            return [
                match.group(1).strip()
                for message in self.received
                if (match := re.search(r"^Subject: (.*)$", message, re.M))
            ]

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 local ESMTP\r\n")
            for raw in lines:
                verb = raw.decode("ascii", "replace").strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    connection.sendall(b"250 local\r\n")
                elif verb == "MAIL" and self.refusing:
                    with self.lock:
                        self.refused += 1
                    connection.sendall(b"451 4.3.0 Mail server busy, try again later\r\n")
                elif verb == "DATA":
                    connection.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    message = []
                    for line in lines:
                        if line in (b".\r\n", b".\n"):
                            break
                        message.append(line.decode("utf-8", "replace"))
                    with self.lock:
                        self.received.append("".join(message))
                    connection.sendall(b"250 OK queued\r\n")
                elif verb == "QUIT":
                    connection.sendall(b"221 Bye\r\n")
                    return
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    connection.sendall(b"250 OK\r\n")
                else:
                    connection.sendall(b"502 Not implemented\r\n")
