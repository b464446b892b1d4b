"""Background dispatch: every few seconds the worker expires unanswered offers and assigns the
orders still waiting, city by city, with one optimal assignment (``dispatching.tick``)."""

from __future__ import annotations

import time

from carecover.orders.service import dispatching
from carecover.platform.clock import utc_now
from carecover.platform.config import Settings
from carecover.platform.db.session import Database
from carecover.platform.worker import tick_hook

TICK_SECONDS = 3.0
_last = {"at": 0.0}


@tick_hook("orders.dispatch")
def dispatch_tick(db: Database, settings: Settings, *, force: bool = False) -> int:
    """One dispatch pass, at most every ``TICK_SECONDS`` (the worker loop spins faster)."""
    now_mono = time.monotonic()
    if not force and now_mono - _last["at"] < TICK_SECONDS:
        return 0
    _last["at"] = now_mono
    with db.session() as session, session.begin():
        return dispatching.tick(session, utc_now())
