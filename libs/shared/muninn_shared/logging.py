"""structlog configured once per process; request, trace and user ids are bound per request."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from opentelemetry import trace


def _add_trace_ids(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    span = trace.get_current_span()
    ctx = span.get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event_dict.setdefault("span_id", format(ctx.span_id, "016x"))
    return event_dict


_MUNINN_HANDLER = "_muninn_handler"


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_trace_ids,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries log through the standard library (uvicorn's error and access loggers, which
    # serve.py leaves unconfigured so they reach the root): one JSON object per line as well.
    # Only the handler installed here is replaced: others on the root (a test runner's
    # capture) stay.
    root = logging.getLogger()
    for installed in [h for h in root.handlers if getattr(h, _MUNINN_HANDLER, False)]:
        root.removeHandler(installed)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(stdlib_formatter(fmt))
    setattr(handler, _MUNINN_HANDLER, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "pymongo", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def stdlib_formatter(fmt: str) -> logging.Formatter:
    """Standard-library records rendered like structlog's: JSON with the logger's name, level,
    UTC time, the bound context (service, request and trace ids) and any exception."""
    if fmt != "json":
        return logging.Formatter("%(name)s %(levelname)s %(message)s")
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_trace_ids,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


def bind_user(user_id: str) -> None:
    structlog.contextvars.bind_contextvars(user_id=user_id)
