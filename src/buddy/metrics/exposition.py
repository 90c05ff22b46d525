"""The text a scrape reads, from this process or from every worker's files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST


def registry() -> CollectorRegistry:
    """Every worker's values when the multiprocess directory is set, else this process's."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def render() -> bytes:
    return generate_latest(registry())


def prepare_multiprocess_dir(folder: Path) -> None:
    """Start from an empty directory and point the client at it. Called by `serve` before the
    workers start (they inherit the variable): a previous run's files would otherwise be
    added to this run's totals."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
