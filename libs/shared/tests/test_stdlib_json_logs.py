"""uvicorn's own lines (its error logger and its access logger) come out as JSON too."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from muninn_shared.logging import configure_logging

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def stdout() -> Iterator[io.StringIO]:
    """Where the logging configured in a test writes (configure_logging binds the stdout it
    finds), undone afterwards so that no later test logs into a stream that is gone.

    uvicorn's loggers start as in a fresh service process: an earlier test's
    ``uvicorn.Config(log_level="warning", access_log=False)`` sets their levels, and stops
    the access logger propagating, for the whole session."""
    saved_config = structlog.get_config()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    uvicorn_loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    saved = [(logger.level, logger.propagate) for logger in uvicorn_loggers]
    for logger in uvicorn_loggers:
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    try:
        yield io.StringIO()
    finally:
        structlog.configure(**saved_config)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for logger, (level, propagate) in zip(uvicorn_loggers, saved, strict=True):
            logger.setLevel(level)
            logger.propagate = propagate


def test_uvicorn_error_and_access_lines_are_json(stdout: io.StringIO) -> None:
    with contextlib.redirect_stdout(stdout):
        configure_logging("memory", "INFO", "json")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.access").warning(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz", "1.1", 500
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")

    lines = [json.loads(line) for line in stdout.getvalue().splitlines() if line.strip()]

    started, access, failure = lines[-3:]
    assert started["event"] == "Started server process [42]"
    assert started["logger"] == "uvicorn.error"
    assert started["level"] == "info"
    assert started["service"] == "memory"
    assert "timestamp" in started
    assert access["logger"] == "uvicorn.access"
    assert access["event"] == '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 500'
    assert failure["level"] == "error"
    assert "RuntimeError: boom" in failure["exception"]


def test_console_format_keeps_plain_lines(stdout: io.StringIO) -> None:
    with contextlib.redirect_stdout(stdout):
        configure_logging("memory", "INFO", "console")
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    assert "uvicorn.error INFO Application startup complete." in stdout.getvalue()
