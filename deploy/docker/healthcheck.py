"""Container health probe: GET /healthz on this container's service port, standard library only.

The port is resolved the way the service resolves it: ``MUNINN_PORT`` if set, else the
service's default from ``muninn_shared.settings.DEFAULT_PORTS`` (``SERVICE`` names it).
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping


def service_port(environ: Mapping[str, str]) -> int:
    explicit = environ.get("MUNINN_PORT", "").strip()
    if explicit:
        return int(explicit)
    # Imported only when needed: the common path (MUNINN_PORT set) stays standard library only.
    from muninn_shared.settings import DEFAULT_PORTS

    return DEFAULT_PORTS[environ["SERVICE"]]


def probe(port: int, timeout: float = 3.0) -> bool:
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return False


def main() -> int:
    return 0 if probe(service_port(os.environ)) else 1


if __name__ == "__main__":
    sys.exit(main())
