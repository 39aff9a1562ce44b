"""uvicorn's own lines (its error logger and its access logger) come out as JSON too."""

from __future__ import annotations

import json
import logging

import pytest
from muninn_shared.logging import configure_logging


def test_uvicorn_error_and_access_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("memory", "INFO", "json")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.access").warning(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz", "1.1", 500
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]

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


def test_console_format_keeps_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("memory", "INFO", "console")
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    assert "uvicorn.error INFO Application startup complete." in capsys.readouterr().out
