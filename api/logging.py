"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

Only the standard library is imported here, so gunicorn's master process can use the
formatter too (gunicorn.conf.py) before Django is loaded.
"""

from __future__ import annotations

import json
import logging
import math
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The id of the request being served on this thread or task; None outside a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

#: What every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}

#: Extras never written out: Django's `django.request` and `django.security` loggers attach the
#: HttpRequest, whose text carries the query string. The request line already has its path.
_UNLOGGED_EXTRAS = frozenset({"request"})


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request's id (set by api.request_log).

    Django logs a 4xx/5xx answer ("Not Found: /api/x/") after the last middleware has
    returned, when the context variable is reset; that record carries the request, and the
    request carries its id.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or getattr(getattr(record, "request", None), "request_id", None)
        return True


def _json_safe(value: Any) -> Any:
    """JSON types as they are (str subclasses such as Role included), anything else as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and Infinity are not JSON
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One line of JSON per record: timestamp, level, logger, message, request_id, then the extras.

    Log shippers read it without a parsing rule, and a newline or quote in a message cannot
    forge a second line (the output is ASCII: everything else is escaped).
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in _UNLOGGED_EXTRAS and key not in entry:
                entry[key] = _json_safe(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
