"""Logging filters that keep an outage from flooding the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class AtMostOncePer(logging.Filter):
    """Let one record through per interval and count the ones held back in between."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.seconds = seconds
        self.clock = clock
        self.last: float | None = None
        self.held_back = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """True for the first record of each interval; the others are only counted."""
        now = self.clock()
        if self.last is not None and now - self.last < self.seconds:
            self.held_back += 1
            return False
        if self.held_back:
            record.msg = f"{record.msg} ({self.held_back} more like it since the last one)"
            self.held_back = 0
        self.last = now
        return True


def limit_logger(name: str, seconds: float) -> AtMostOncePer:
    """Attach (once per process) an at-most-once-per-interval filter to the logger `name`."""
    logger = logging.getLogger(name)
    for existing in logger.filters:
        if isinstance(existing, AtMostOncePer):
            return existing
    found = AtMostOncePer(seconds)
    logger.addFilter(found)
    return found
