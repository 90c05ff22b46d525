"""A git source's working copy: shallow fetches of one branch and what changed between syncs."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from buddy.retrieval.sources import SourceError

_TIMEOUT_S = 600


@dataclass(frozen=True)
class Changes:
    """Paths (relative to the repository) between two commits; a rename is a removal plus an
    addition, so the old page goes and the new one is ingested."""

    changed: tuple[str, ...]
    removed: tuple[str, ...]


def _git(*args: str, cwd: Path | None = None) -> str:
    command = ["git", *args] if cwd is None else ["git", "-C", str(cwd), *args]
    try:
        done = subprocess.run(  # noqa: S603 - fixed git argv; URLs and refs are single arguments
            command, check=True, capture_output=True, text=True, timeout=_TIMEOUT_S
        )
    except FileNotFoundError:
        raise SourceError("git is not installed; install it to sync git sources") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} timed out after {_TIMEOUT_S} s") from None
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise SourceError(f"git {args[0]} failed: {last[0]}") from None
    return done.stdout


def update(location: str, branch: str, copy: Path) -> str:
    """Bring the working copy to the newest commit of `branch` (the remote's default when
    empty), cloning it the first time; returns that commit.

    Depth 1 keeps clones small; the commit synced last stays in the object store, so the next
    diff still finds it. A copy that went bad (an interrupted clone) is cloned again.
    """
    if (copy / ".git").is_dir():
        try:
            _git("remote", "set-url", "origin", location, cwd=copy)
            _git("fetch", "--quiet", "--depth", "1", "origin", branch or "HEAD", cwd=copy)
            _git("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=copy)
            return _git("rev-parse", "HEAD", cwd=copy).strip()
        except SourceError:
            shutil.rmtree(copy, ignore_errors=True)
    if copy.exists():
        shutil.rmtree(copy)
    copy.parent.mkdir(parents=True, exist_ok=True)
    partial = copy.with_name(copy.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    branch_args = ["--branch", branch] if branch else []
    _git("clone", "--quiet", "--depth", "1", *branch_args, "--", location, str(partial))
    partial.rename(copy)  # a clone cut short never looks like a working copy
    return _git("rev-parse", "HEAD", cwd=copy).strip()


def changes(copy: Path, old: str, new: str) -> Changes | None:
    """What changed from `old` to `new`; None when `old` is not there any more (a force-push
    or a fresh clone), so the caller compares every page by hash instead."""
    if not old:
        return None
    try:
        _git("cat-file", "-e", f"{old}^{{commit}}", cwd=copy)
    except SourceError:
        return None
    listing = _git("diff", "--name-status", "--no-renames", "-z", old, new, cwd=copy)
    fields = listing.split("\x00")
    changed: list[str] = []
    removed: list[str] = []
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        (removed if status == "D" else changed).append(path)
    return Changes(tuple(changed), tuple(removed))
