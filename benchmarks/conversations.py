"""What saved conversations cost a chat, and how their reads hold up on a full store.

Run: .venv/bin/python -m benchmarks.conversations [--streams 120] [--owners 2000]

1. Offline chat, sequential streams to the last line, one worker: plain against the same
   questions saved into a conversation (`conversation_id`: a read before the stream, a write
   at its start and one at its end), alternated over three rounds whose order flips; the
   ratio of the medians.
2. Reads over HTTP on a SQLite store holding `--owners` browsers with 10 conversations each,
   plus one owner at the cap (500 conversations) whose newest conversation is full (400
   messages with answers of about 3 KB, like code-heavy answers): listing, searching titles,
   reading a short conversation and the full one, against `/api/samples/tags` measured in the
   same run. The full conversation is where the method stops being cheap: it is read whole.
Any non-2xx answer fails the run. Only SQLite: MongoDB needs a live server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.harness import LIFTED_LIMITS, Failures, header, store_demo_content
from benchmarks.metrics import TOPICS, wordings
from benchmarks.news_samples import server
from buddy.auth.service import owner_of
from buddy.config import Settings
from buddy.storage.factory import opened_storage
from buddy.storage.records import Citation, Conversation, ConversationMessage, ToolCall

FAILURES = Failures()
ROUNDS = 3
BIG_OWNER = secrets.token_hex(16)
FULL = 400  # messages in the full conversation (BUDDY_MAX_CONVERSATION_MESSAGES)
CAP = 500  # conversations of the big owner (BUDDY_MAX_CONVERSATIONS_PER_OWNER)
ANSWER = (
    "Register the client once, then inject it where you need it:\n\n```csharp\n"
    + "var reply = await chatClient.GetResponseAsync(messages, options, cancellationToken);\n" * 30
    + "```\n"
)


def env_for(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        **LIFTED_LIMITS,
        "BUDDY_DATA_DIR": str(data_dir),
        "BUDDY_LOG_LEVEL": "WARNING",
        "BUDDY_MCP_URL": "",
        "BUDDY_DEMO_CONTENT": "false",  # already stored
    }


def _ok(what: str, response: httpx.Response) -> None:
    if response.status_code >= 300:
        FAILURES.add(f"{what}: {response.status_code} {response.text[:200]}")


def _chat_ms(client: httpx.Client, base: str, body: dict[str, object], owner: str) -> float:
    started = time.perf_counter()
    response = client.post(f"{base}/api/chat", json=body, headers={"X-Owner-Token": owner})
    elapsed = (time.perf_counter() - started) * 1000
    last = json.loads(response.text.strip().splitlines()[-1]) if response.text else {}
    if response.status_code != 200 or last.get("type") != "complete":
        FAILURES.add(f"chat: {response.status_code} {last}")
    return elapsed


def _round(client: httpx.Client, base: str, saved: bool, count: int) -> list[float]:
    """Milliseconds of `count` chats of one new browser, saved or not."""
    owner = secrets.token_hex(16)
    conversation = ""
    times = []
    for index in range(count):
        body: dict[str, object] = {"message": random.choice(TOPICS) + f" ({index})"}
        if saved:
            if index % 20 == 0:  # a new conversation every 20 questions
                made = client.post(f"{base}/api/conversations", headers={"X-Owner-Token": owner})
                _ok("create", made)
                conversation = made.json()["id"]
            body["conversation_id"] = conversation
        times.append(_chat_ms(client, base, body, owner))
    return times


def chat_cost(data_dir: Path, streams: int) -> None:
    print(f"offline chat, {streams} sequential streams per mode, 1 worker, {ROUNDS} rounds:")
    times: dict[bool, list[float]] = {False: [], True: []}
    app = ["--factory", "buddy.app:create_app"]
    with (
        server(app, Path.cwd(), env_for(data_dir), 18431, 1) as base,
        httpx.Client(timeout=60) as client,
    ):
        for index in range(10):  # warm the caches
            _chat_ms(client, base, {"message": f"{TOPICS[0]} {index}"}, BIG_OWNER)
        for round_number in range(ROUNDS):  # the order flips each round, against drift
            for saved in (False, True) if round_number % 2 == 0 else (True, False):
                times[saved] += _round(client, base, saved, streams // ROUNDS)
    plain, kept = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"  plain p50 {plain:6.1f} ms | saved p50 {kept:6.1f} ms | saved/plain {kept / plain:.3f}"
    )


async def fill(data_dir: Path, owners: int) -> str:
    """The store for the reads; returns the id of the full conversation."""
    texts = wordings()
    rng = random.Random(7)
    now = datetime.now(UTC)
    big = owner_of(None, BIG_OWNER)
    async with opened_storage(Settings(_env_file=None, data_dir=data_dir)) as storage:
        store = storage.conversations
        for number in range(owners):
            who = f"token:{number:040x}"
            for index in range(10):
                when = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
                await store.add_conversation(
                    Conversation(f"o{number}-{index}", who, rng.choice(texts), when, when),
                    [_question(rng.choice(texts), when), _answer(when, number)],
                )
        for index in range(CAP - 1):
            when = now - timedelta(hours=index + 1)
            await store.add_conversation(
                Conversation(f"big-{index}", big, rng.choice(texts), when, when),
                [_question(rng.choice(texts), when), _answer(when, index)],
            )
        messages = [
            _question(rng.choice(texts), now) if seq % 2 == 0 else _answer(now, seq)
            for seq in range(FULL)
        ]
        await store.add_conversation(Conversation("big-full", big, "Full", now, now), messages)
    return "big-full"


def _question(text: str, when: datetime) -> ConversationMessage:
    return ConversationMessage(-1, "user", text, when)


def _answer(when: datetime, number: int) -> ConversationMessage:
    return ConversationMessage(
        -1,
        "assistant",
        ANSWER,
        when,
        span_id=f"{number:016x}",
        trace_id=f"{number:032x}",
        citations=(Citation("IChatClient", "https://learn.microsoft.com/dotnet/ai/", "docs"),),
        tool_calls=(ToolCall("search_knowledge_base", {"query": "chat client"}),),
    )


def _timed(client: httpx.Client, url: str, count: int) -> tuple[float, float, int]:
    """p50 and p95 in ms, and the body size, of `count` GETs after three warm ones."""
    times = []
    size = 0
    for index in range(count + 3):
        started = time.perf_counter()
        response = client.get(url, headers={"X-Owner-Token": BIG_OWNER})
        elapsed = (time.perf_counter() - started) * 1000
        _ok(url, response)
        size = len(response.content)
        if index >= 3:
            times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times))], size


def reads(data_dir: Path, full: str, owners: int) -> None:
    print(f"reads, {owners * 10 + CAP:,} conversations of {owners + 1:,} owners, 1 worker:")
    routes = {
        "baseline /api/samples/tags": "/api/samples/tags",
        "list, page 1 of 500": "/api/conversations?page_size=20",
        "list, page 25 of 500": "/api/conversations?page_size=20&page=25",
        "search titles 'Ollama'": "/api/conversations?search=Ollama",
        "read a 2-message conversation": "/api/conversations/big-3",
        f"read the full one ({FULL} messages)": f"/api/conversations/{full}",
    }
    app = ["--factory", "buddy.app:create_app"]
    with (
        server(app, Path.cwd(), env_for(data_dir), 18432, 1) as base,
        httpx.Client(timeout=60) as client,
    ):
        baseline = 0.0
        for name, path in routes.items():
            p50, p95, size = _timed(client, base + path, 60)
            baseline = baseline or p50
            print(
                f"  {name:<38} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  {size / 1024:8.1f} KB"
                f"  ({p50 / baseline:5.2f}x baseline p50)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=120)
    parser.add_argument("--owners", type=int, default=2000)
    args = parser.parse_args()
    header("conversations: the cost of saving a chat, and reads on a full store", LIFTED_LIMITS)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"

        store_demo_content(data_dir)
        chat_cost(data_dir, args.streams)
        started = time.perf_counter()
        full = asyncio.run(fill(data_dir, args.owners))
        print(f"  (filled in {time.perf_counter() - started:.0f} s)")
        reads(data_dir, full, args.owners)
    FAILURES.finish()


if __name__ == "__main__":
    main()
