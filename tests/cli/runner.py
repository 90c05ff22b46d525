"""Run `buddy` the way an operator does: a real process, its exit code and both streams."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BUDDY = [sys.executable, "-m", "buddy"]


def run_buddy(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "buddy", *args, cwd=cwd, env=env)


def run_python(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """This interpreter with `args`, the developer's BUDDY_LOG_LEVEL replaced by WARNING."""
    full_env = {**os.environ, "BUDDY_LOG_LEVEL": "WARNING", **(env or {})}
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
