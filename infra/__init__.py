"""Infrastructure the channels share: database, Redis, edge cleaning, logs, metrics, security.

One level below the composition root (``web/``), as flaskr's ``db.py`` sits beside its factory:
each module has an ``init_app(app)`` that ``web.create_app`` calls, and keeps its clients in
``app.extensions``. Channels (``admin/``, ``ussd/``, ``sms/``, ``open311/``) import it; it
imports ``core/`` and never a channel or ``web/``.
"""
