"""A small keep-alive HTTP/1.1 load generator for benchmarks (no third-party client overhead)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int  # answers with a status other than the expected ones
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(99)


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, request: bytes, deadline: float, result: list[tuple[float, int]]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            result.append(((time.perf_counter() - started) * 1000, status))
    finally:
        writer.close()


async def run_load(
    url: str,
    seconds: float,
    connections: int,
    *,
    headers: Mapping[str, str] | None = None,
    expect: frozenset[int] = frozenset({200}),
) -> LoadResult:
    """Hammer one URL from `connections` keep-alive connections for `seconds`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, deadline, samples) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    statuses = Counter(status for _, status in samples)
    errors = sum(n for status, n in statuses.items() if status not in expect)
    latencies = [latency for latency, _ in samples]
    return LoadResult(len(samples), errors, elapsed, latencies, dict(statuses))
