"""rq's CLI settings (``rq worker -c infra.rqconfig``, ``rq cron -c ...``) from REDIS_URL.

rq's own ``--url`` knows only plain servers; its settings module also speaks
Sentinel. Reading the one ``REDIS_URL`` here gives the workers and the
scheduler the same Redis the web processes use, Sentinel or not, with no second
setting to keep in step. rq imports this module once, at start-up.
"""

from __future__ import annotations

import os
from typing import Any

from infra.kv import SENTINEL_OPTIONS, parse_sentinel_url


def settings(url: str) -> dict[str, Any]:
    """rq's settings for ``url``: ``SENTINEL`` for a Sentinel URL, else ``REDIS_URL``."""
    address = parse_sentinel_url(url)
    if address is None:
        return {"REDIS_URL": url}
    return {"SENTINEL": {"INSTANCES": address.sentinels, "MASTER_NAME": address.master,
                         "DB": address.db, "PASSWORD": address.password,
                         "SENTINEL_KWARGS": SENTINEL_OPTIONS,
                         "CONNECTION_KWARGS": {"socket_connect_timeout": 2}}}


globals().update(settings(os.environ.get("REDIS_URL") or "redis://localhost:6379/0"))
