"""A real git remote on disk (a bare repository reached over file://) and a clone to change it."""

from __future__ import annotations

import subprocess
from pathlib import Path

_IDENTITY = ["-c", "user.email=docs@example.com", "-c", "user.name=Docs Writer"]


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


class Remote:
    """`url` is what a source registers; `write` and `commit` change the remote's main."""

    def __init__(self, base: Path) -> None:
        self.bare = base / "origin.git"
        self.work = base / "work"
        base.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", "--bare", "--initial-branch=main", str(self.bare), cwd=base)
        git("init", "--quiet", "--initial-branch=main", str(self.work), cwd=base)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def write(self, files: dict[str, str | None]) -> None:
        """Write (or, for None, delete) files in the working tree."""
        for relative, text in files.items():
            path = self.work / relative
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | None] | None = None) -> str:
        self.write(files or {})
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "--quiet", "--force", "origin", "HEAD:main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def rename(self, old: str, new: str) -> None:
        (self.work / new).parent.mkdir(parents=True, exist_ok=True)
        git("mv", old, new, cwd=self.work)

    def rewrite_history(self, message: str, files: dict[str, str | None]) -> str:
        """A new root commit pushed over main: the old commits are gone from the remote."""
        git("checkout", "--quiet", "--orphan", "rewritten", cwd=self.work)
        git("rm", "-r", "--quiet", "--cached", ".", cwd=self.work)
        for path in list(self.work.iterdir()):
            if path.name != ".git":
                subprocess.run(["rm", "-rf", str(path)], check=True)
        return self.commit(message, files)


def page(title: str, body: str) -> str:
    """A DocFX-style Markdown page."""
    return f"---\ntitle: {title}\nms.date: 11/20/2026\n---\n# {title}\n\n{body}\n"
