"""Faults under a real server on 127.0.0.1: the storage refuses writes, the model server dies
mid-answer, a client stops reading. Each ends in a clear error, never a 500 or a stall."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buddy.app import create_app
from buddy.chat.response import SEND_TIMEOUT_S
from buddy.config import Settings
from buddy.demo import KNOWLEDGE_MARKER
from buddy.storage.factory import opened_storage
from tests.fixtures.chat_setup import chat, with_model
from tests.fixtures.model_server import Script, model_server, text_turn
from tests.fixtures.server import serve_in_thread

VOTE = {"span_id": "0123456789abcdef", "feedback_type": "thumbs_up", "comment": "useful"}
EVENT = {"event_type": "filter_used", "data": {"filter": "language"}, "user_consent": True}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs of our own, so the disk can really fill up (needs root, as CI runs);
    the demo knowledge fits in it.
    """
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount_point)],
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
    """Write zeros until the file system says it is full, down to the last byte."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for block in (65_536, 1):
            with contextlib.suppress(OSError):  # ENOSPC ends each loop
                while True:
                    os.write(descriptor, b"\0" * block)
    finally:
        os.close(descriptor)
    assert shutil.disk_usage(directory).free == 0
    return filler


def _assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body == {"detail": body["detail"], "code": "storage_unavailable"}
    assert reason in body["detail"]
    assert "Traceback" not in response.text
    assert "sqlite3" not in response.text


def _storage_check(client: httpx.Client) -> dict[str, str]:
    health = client.get("/health")
    assert health.status_code == 200
    checks: dict[str, dict[str, str]] = health.json()["checks"]
    if health.json()["status"] == "healthy":
        assert checks["storage"]["status"] == "ok"
    return checks["storage"]


def _wait_for_demo_knowledge(settings: Settings, timeout: float = 60.0) -> None:
    """The demo knowledge is written in the background after start. A write of it failing on
    the full disk frees pages as it rolls back, so the writes this test makes could fit.
    """

    async def loaded() -> bool:
        async with opened_storage(settings) as storage:
            return await storage.state.get_state(KNOWLEDGE_MARKER) is not None

    deadline = time.monotonic() + timeout
    while not asyncio.run(loaded()):
        assert time.monotonic() < deadline, "the demo knowledge never finished loading"
        time.sleep(0.1)


def test_a_full_disk_refuses_writes_with_503_and_keeps_serving_reads(
    settings: Settings, small_disk: Path
) -> None:
    configured = settings.model_copy(update={"data_dir": small_disk / "data"})
    with serve_in_thread(create_app(configured)) as url, httpx.Client(base_url=url) as client:
        _wait_for_demo_knowledge(configured)
        assert client.post("/api/feedback", json=VOTE).status_code == 200
        assert _storage_check(client)["status"] == "ok"
        filler = _fill(small_disk)
        # Free pages inside the database and its write-ahead log take writes for a while.
        for _ in range(5_000):
            response = client.post("/api/feedback", json=VOTE)
            if response.status_code != 200:
                break
        _assert_refused(response, "disk is full")
        _assert_refused(client.post("/api/feedback", json=VOTE), "disk is full")
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
    assert kinds.count("error") == 1
    assert "complete" not in kinds
    assert lines[-1]["code"] == "model_unreachable"
    # The server is fine afterwards: the next answer completes.
    script.turns = [text_turn("All good.")]
    assert chat(url, {"message": "hello again"})[-1]["type"] == "complete"


def _start_unread_chat(url: str, message: str) -> socket.socket:
    """POST a chat on a socket with a tiny receive window, and never read the answer."""
    address = httpx.URL(url)
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect((address.host, address.port or 80))
    body = json.dumps({"message": message}).encode()
    head = (
        f"POST /api/chat HTTP/1.1\r\nHost: {address.host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    client.sendall(head.encode() + body)
    return client


def _read_to_end(client: socket.socket) -> bytes:
    client.settimeout(20)
    received = bytearray()
    while chunk := client.recv(1 << 16):
        received += chunk
    return bytes(received)


def test_a_client_that_stops_reading_is_dropped_without_stalling_others(
    model_app: tuple[str, Script],
) -> None:
    url, script = model_app
    # Far more than the socket buffers between server and client hold (4 MB send buffer here),
    # in few pieces: each piece costs the answerer some CPU, and that is not what is tested.
    script.turns = [text_turn(*["many words " * 10_000] * 80), text_turn("A quick answer.")]
    slow = _start_unread_chat(url, "tell me everything")
    try:
        time.sleep(2)  # the long answer fills every buffer on the way to the slow client
        started = time.monotonic()
        lines = chat(url, {"message": "a short one"})
        assert lines[-1]["type"] == "complete"
        assert "".join(line.get("content", "") for line in lines if line["type"] == "content")
        assert time.monotonic() - started < 5
        time.sleep(SEND_TIMEOUT_S + 1)
        # Reading now gets what was buffered, then the end of the connection: the server gave
        # up on this answer. Without the timeout, it would resume and finish it.
        received = _read_to_end(slow)
    finally:
        slow.close()
    assert received.startswith(b"HTTP/1.1 200")
    assert b'"type": "complete"' not in received
    assert not received.endswith(b"0\r\n\r\n")  # the chunked body was never terminated
