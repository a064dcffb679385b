"""Run the archivist CLI with an audit hook that records and refuses any network egress.

    python tests/egress_guard.py ARGS...      (like `archivist ARGS...`)

Every `socket.connect`, `socket.getaddrinfo` or `socket.sendto` to an address that is not
local is appended to $EGRESS_LOG and refused, so a library that swallows the error is still
caught by the test reading the log.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

LOG = os.environ.get("EGRESS_LOG", "egress.log")
LOCAL_NAMES = {"localhost", "localhost.localdomain", "", None}


def _is_local(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    target = None
    if event in ("socket.connect", "socket.sendto"):
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return
        target = address[0] if isinstance(address, tuple) else address
    elif event == "socket.getaddrinfo":
        target = args[0]
    else:
        return
    if not _is_local(target):
        with open(LOG, "a") as handle:
            handle.write(f"{event} {target!r}\n")
        raise ConnectionRefusedError(f"egress refused by test guard: {event} {target!r}")


if __name__ == "__main__":
    # Run as a script from tests/, whose folders mirror the packages (tests/app, ...): drop
    # that folder from the path, or `app` would be the tests' package, not Archivist's.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.addaudithook(_hook)
    sys.argv = ["archivist", *sys.argv[1:]]
    from app.cli import main

    main()
