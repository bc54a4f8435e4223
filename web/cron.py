"""The config module of ``rq cron -c infra.rqconfig web.cron``: the jobs of :mod:`web.schedule`.

``rq cron`` imports this module and collects what it registers; nothing else
imports it, so the registration at import time touches no web process.
"""

from __future__ import annotations

from rq import cron

from web.schedule import register_jobs

register_jobs(cron.register)
