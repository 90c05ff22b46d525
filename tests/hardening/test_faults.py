"""Faults under a real server on 127.0.0.1: the storage refuses writes, the model server dies
mid-answer, a client stops reading. Each ends in a clear error, never a 500 or a stall."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buddy.app import create_app
from buddy.config import Settings
from tests.fixtures.chat_setup import chat, with_model
from tests.fixtures.model_server import Script, model_server, text_turn
from tests.fixtures.server import serve_in_thread

VOTE = {"span_id": "0123456789abcdef", "feedback_type": "thumbs_up", "comment": "useful"}
EVENT = {"event_type": "filter_used", "data": {"filter": "language"}, "user_consent": True}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of our own, so the disk can really fill up (needs root, as CI runs)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root and CAP_SYS_ADMIN")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(directory: Path) -> Path:
    """Write zeros until the file system says it is full."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 65_536)
    except OSError as exc:
        assert exc.errno == 28  # ENOSPC: the only way out of the loop
    finally:
        # Fill the last partial block too, so no page of the database can grow.
        try:
            while True:
                os.write(descriptor, b"\0")
        except OSError:
            pass
        os.close(descriptor)
    return filler


def _assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body == {"detail": body["detail"], "code": "storage_unavailable"}
    assert reason in body["detail"]
    assert "Traceback" not in response.text and "sqlite3" not in response.text


def _storage_check(client: httpx.Client) -> dict[str, str]:
    health = client.get("/health")
    assert health.status_code == 200
    checks: dict[str, dict[str, str]] = health.json()["checks"]
    if health.json()["status"] == "healthy":
        assert checks["storage"]["status"] == "ok"
    return checks["storage"]


def test_a_full_disk_refuses_writes_with_503_and_keeps_serving_reads(
    settings: Settings, small_disk: Path
) -> None:
    configured = settings.model_copy(update={"data_dir": small_disk / "data"})
    with serve_in_thread(create_app(configured)) as url, httpx.Client(base_url=url) as client:
        assert client.post("/api/feedback", json=VOTE).status_code == 200
        assert _storage_check(client)["status"] == "ok"
        filler = _fill(small_disk)
        # Each write needs new pages; within a few the disk has none left.
        refused = [client.post("/api/feedback", json=VOTE) for _ in range(5)]
        _assert_refused(refused[-1], "disk is full")
        _assert_refused(client.post("/api/telemetry", json=EVENT), "disk is full")
        storage = _storage_check(client)
        assert storage["status"] == "down"
        assert "disk is full" in storage["detail"]
        assert client.get("/health").json()["status"] == "degraded"
        # Reads keep working.
        assert client.get("/api/news").status_code == 200
        assert client.get("/api/samples").status_code == 200
        filler.unlink()
        assert _storage_check(client)["status"] == "ok"
        assert client.post("/api/feedback", json=VOTE).status_code == 200


@pytest.fixture
def model_app(settings: Settings) -> Iterator[tuple[str, Script]]:
    with model_server() as (model_url, script):
        configured = with_model(settings, model_url, llm_stall_seconds=3.0)
        with serve_in_thread(create_app(configured)) as url:
            yield url, script


def test_a_model_server_dying_mid_answer_ends_with_one_error_line(
    model_app: tuple[str, Script],
) -> None:
    url, script = model_app
    script.turns = ["drop"]
    lines = chat(url, {"message": "hello"})
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "metadata"
    assert kinds[-1] == "error"
    assert kinds.count("error") == 1 and "complete" not in kinds
    assert lines[-1]["code"] == "model_unreachable"
    # The server is fine afterwards: the next answer completes.
    script.turns = [text_turn("All good.")]
    assert chat(url, {"message": "hello again"})[-1]["type"] == "complete"
