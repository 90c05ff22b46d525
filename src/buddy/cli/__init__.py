"""The `buddy` command line; `main` is the console script."""

from buddy.cli.app import app, main

__all__ = ["app", "main"]
