"""Every metric the service exposes, defined once.

Label values stay bounded: routes are templates (`/api/news/{item_id}`, never an id), tools
and providers come from our own lists, outcomes and results from fixed sets.

Under `buddy serve --workers N` the client's multiprocess mode is on (`PROMETHEUS_MULTIPROC_DIR`,
set by `serve` before the workers start): each worker writes its values to files there and a
scrape of any worker adds them all up.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a cached JSON route (a few ms) to a streamed answer (tens of seconds).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
_SIMILARITY_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)

HTTP_REQUESTS = Counter(
    "buddy_http_requests_total", "HTTP requests answered.", ["route", "method", "status"]
)
HTTP_DURATION = Histogram(
    "buddy_http_request_duration_seconds",
    "Time from a request's arrival to its last byte (a chat stream's whole length).",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
CHAT_STREAMS = Counter(
    "buddy_chat_streams_total",
    "Chat requests by how they ended: complete, error, cancelled (the client left), refused.",
    ["provider", "outcome"],
)
CHAT_FIRST_CONTENT = Histogram(
    "buddy_chat_first_content_seconds",
    "Time from a chat stream's start to its first words.",
    buckets=_LATENCY_BUCKETS,
)
CHAT_DURATION = Histogram(
    "buddy_chat_stream_duration_seconds",
    "Time from a chat stream's start to its last line.",
    buckets=_LATENCY_BUCKETS,
)
TOOL_CALLS = Counter(
    "buddy_tool_calls_total", "Tool calls in answers, by tool and outcome.", ["tool", "outcome"]
)
LLM_TOKENS = Counter(
    "buddy_llm_tokens_total", "Model tokens used by answers (prompt, completion).", ["kind"]
)
FEEDBACK = Counter("buddy_feedback_total", "Votes stored.", ["type"])
ACCESS_CHECKS = Counter(
    "buddy_access_checks_total",
    "Access-key checks in production: ok, missing, unknown, disabled, expired.",
    ["result"],
)
RATE_LIMITED = Counter(
    "buddy_rate_limited_total", "Requests refused by a rate limit, by its scope.", ["scope"]
)
SEARCH_TOP_SIMILARITY = Histogram(
    "buddy_search_top_similarity",
    "The best hit's similarity for each knowledge-base search an answer made.",
    buckets=_SIMILARITY_BUCKETS,
)
STORAGE_ERRORS = Counter(
    "buddy_storage_errors_total",
    "Store operations that failed (the database unreachable or refusing).",
    ["operation"],
)
OUTBOX_PENDING = Gauge(
    "buddy_feedback_outbox_pending",
    "Vote deliveries waiting for a trace target (Phoenix or Arize).",
    # The newest value any worker saw: each worker's outbox counts the same store.
    multiprocess_mode="mostrecent",
)


def prime(provider: str) -> None:
    """Create the series of fixed label sets at zero, so `rate()` and `increase()` see the
    first error or vote as a rise (a series that appears with 1 has no earlier value)."""
    for outcome in ("complete", "error", "cancelled", "refused"):
        CHAT_STREAMS.labels(provider, outcome)
    for vote in ("thumbs_up", "thumbs_down"):
        FEEDBACK.labels(vote)
    for result in ("ok", "missing", "unknown", "disabled", "expired"):
        ACCESS_CHECKS.labels(result)
    for scope in ("api", "chat", "key"):
        RATE_LIMITED.labels(scope)
    for kind in ("prompt", "completion"):
        LLM_TOKENS.labels(kind)
