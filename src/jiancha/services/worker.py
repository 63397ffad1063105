"""The background worker that `jiancha serve` runs beside the web app: a plain loop, no framework.

When a job throws, the worker logs it and tries again on the next tick instead of crash-looping.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from jiancha.domain.statistics import Month
from jiancha.services import checkpoints, clock, notifications, reports
from jiancha.settings import checkpoint_settings
from jiancha.store.database import Database

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, db: Database, interval_seconds: float = 30.0) -> None:
        self.db = db
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jiancha-worker", daemon=True)
        self._reported: Month | None = None  # the month whose reports are made

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def tick(self) -> int:
        try:
            handled = clock.sweep(self.db)
            if handled:
                log.info("clock: %d cases reached a threshold", handled)
        finally:
            self.notify()  # messages already queued go out even when the sweep fails
            self.checkpoint()
            self.reports()
        return handled

    def notify(self) -> None:
        """Send the notifications that are due; a transport that is down only delays them."""
        try:
            done = notifications.deliver_due(self.db)
        except Exception:
            log.exception("notifications: delivery failed; trying again next tick")
            return
        if done.sent or done.retrying or done.failed:
            log.info(
                "notifications: %d sent, %d to retry, %d given up", done.sent, done.retrying, done.failed
            )

    def checkpoint(self) -> None:
        """Sign the ledger's root when it has grown and the last checkpoint is an interval old."""
        settings = checkpoint_settings()
        if settings.interval_seconds <= 0:
            return
        try:
            if checkpoints.due(self.db, timedelta(seconds=settings.interval_seconds)):
                made = checkpoints.make(self.db, settings)
                if made and made.new:
                    log.info("checkpoint: signed tree size %d", made.checkpoint.tree_size)
        except checkpoints.Rewritten as e:
            log.error("checkpoint refused, the ledger's past changed: %s", e)
        except Exception:
            log.exception("checkpoint failed; trying again next tick")

    def reports(self) -> None:
        """Last month's reports for the top-level and city agencies, from the first working day of
        the month on, once (R-REP-1)."""
        try:
            month = reports.due(self.db)
            if month is None or month == self._reported:
                return
            reports.make_due(self.db)
            self._reported = month
        except Exception:
            log.exception("monthly reports failed; trying again next tick")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("worker tick failed; trying again next tick")
            self._stop.wait(self.interval)
