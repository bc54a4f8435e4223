"""The admin's words for statuses, kinds, channels and history entries: core's one table."""

from __future__ import annotations

from core.labels import LABELS, label

__all__ = ["LABELS", "label"]
