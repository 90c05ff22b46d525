"""What a chat request must pass before its stream opens: a question within the limits, the
rate limit, and a free place among this worker's open streams."""

from __future__ import annotations

from collections.abc import Callable

from buddy.chat.schemas import ChatRequest
from buddy.config import Settings
from buddy.errors import BuddyError, LimitExceededError, ServiceUnavailableError
from buddy.ratelimit import RateLimiter, per_minute
from buddy.storage.records import MagicKey

_BUSY_RETRY_SECONDS = 2


class EmptyMessageError(BuddyError):
    status_code = 400
    code = "empty_message"


class ServerBusyError(ServiceUnavailableError):
    code = "server_busy"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(_BUSY_RETRY_SECONDS)}


class StreamGate:
    """At most `limit` chat streams open in this worker (0: no cap). A worker whose CPU is
    already spent streaming turns a new question away at once, rather than making every open
    answer (and every other route) slower for everyone. One event loop: no lock needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def enter(self) -> Callable[[], None]:
        """Take a place, or refuse with 503; returns the release, which gives it back once
        however often it is called."""
        if self.limit and self.open >= self.limit:
            raise ServerBusyError(
                f"The server is answering {self.open} questions already; try again in a "
                f"moment (BUDDY_MAX_OPEN_STREAMS={self.limit})."
            )
        self.open += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.open -= 1

        return release


def question_of(request: ChatRequest, settings: Settings) -> str:
    """The question, checked against the configured limits before any streaming starts."""
    question = request.message.strip()
    if not question:
        raise EmptyMessageError("The message is empty; type a question.")
    _within(len(request.message), settings.max_message_chars, "message characters", "MESSAGE_CHARS")
    _within(len(request.history), settings.max_history_turns, "history turns", "HISTORY_TURNS")
    history_chars = sum(len(turn.content) for turn in request.history)
    _within(history_chars, settings.max_history_chars, "history characters", "HISTORY_CHARS")
    return question


def _within(size: int, limit: int, what: str, setting: str) -> None:
    if size > limit:
        msg = f"The request has {size} {what}; the limit is {limit} (BUDDY_MAX_{setting})."
        raise LimitExceededError(msg)


async def check_rate(limiter: RateLimiter, key: MagicKey | None, address: str) -> None:
    """Chat is counted per key when the request carries one (production), else per address;
    a key with its own limit is held to that instead of BUDDY_RATE_LIMIT_CHAT."""
    if key is not None and key.requests_per_minute:
        await limiter.check(per_minute(key.requests_per_minute), "key", key.id)
    elif key is not None:
        await limiter.check(limiter.chat, "chat", f"key:{key.id}")
    else:
        await limiter.check(limiter.chat, "chat", f"ip:{address}")
