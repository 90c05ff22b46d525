"""Importing the package must start nothing: no threads, no files, no sockets, no settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import socket, threading
opened = []
real_connect = socket.socket.connect
def spy(self, *a, **k):
    opened.append(a)
    return real_connect(self, *a, **k)
socket.socket.connect = spy
import buddy, buddy.app, buddy.cli, buddy.config, buddy.storage.factory, buddy.storage.sqlite
print(threading.active_count(), len(opened))
"""


def test_import_starts_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "ENVIRONMENT": "production", "PORT": "not-a-number"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Invalid settings in the environment prove nothing reads them at import time.
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "0"]
    assert list(tmp_path.iterdir()) == []
