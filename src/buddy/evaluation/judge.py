"""The judge: a Chat Completions model that scores one answer against its case's rubric."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from buddy.config import Settings

if TYPE_CHECKING:
    import openai

log = structlog.get_logger(__name__)
ATTEMPTS = 2  # a malformed reply is asked for once more, then counted as judge_error
_PASSAGE_CHARS = 1500

INSTRUCTIONS = """You grade answers of a C# and .NET AI assistant.
You are given a question, a rubric (what a good answer must do; may be empty), the passages the
answer cited, and the answer. Score the answer from 1 (wrong or useless) to 5 (correct, complete,
follows the rubric). It is grounded when every factual claim about APIs, packages and code is
supported by the cited passages (an answer that rightly says the sources do not cover the
question is grounded).
Reply with one JSON object and nothing else:
{"score": <integer 1-5>, "grounded": <true|false>, "reason": "<one sentence>"}"""


class Verdict(BaseModel):
    """The judge's reply, parsed strictly: no extra keys, no strings for numbers."""

    model_config = ConfigDict(extra="forbid")

    score: Annotated[StrictInt, Field(ge=1, le=5)]
    grounded: StrictBool
    reason: str


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict | None  # None: judge_error (no usable reply after the retry)
    attempts: int
    error: str = ""


@dataclass(frozen=True)
class JudgeConfig:
    model: str
    base_url: str | None
    api_key: str
    timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> JudgeConfig:
        """Each judge setting, falling back to the chat model's."""
        key = settings.judge_api_key or settings.openai_api_key
        return cls(
            model=settings.judge_model or settings.chat_model,
            base_url=settings.judge_base_url or settings.openai_base_url,
            api_key=key.get_secret_value() if key else "unused",
            timeout_seconds=settings.llm_timeout_seconds,
        )


def create_judge_client(config: JudgeConfig) -> openai.AsyncOpenAI:
    """A client of its own: the judge may live on another server than the answer model."""
    import openai  # noqa: PLC0415 - a second to import; only a judged run needs it

    return openai.AsyncOpenAI(api_key=config.api_key, base_url=config.base_url, max_retries=0)


def judge_prompt(question: str, rubric: str, passages: list[str], answer: str) -> str:
    cited = "\n\n".join(f"[{n}] {text[:_PASSAGE_CHARS]}" for n, text in enumerate(passages, 1))
    return (
        f"## Question\n{question}\n\n## Rubric\n{rubric or '(none)'}\n\n"
        f"## Cited passages\n{cited or '(none)'}\n\n## Answer\n{answer}"
    )


async def judge(client: openai.AsyncOpenAI, config: JudgeConfig, prompt: str) -> Judgement:
    """Ask the judge; a malformed reply or a failed call is retried once."""
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            reply = await asyncio.wait_for(_ask(client, config, prompt), config.timeout_seconds)
            return Judgement(Verdict.model_validate_json(reply.strip()), attempt)
        except ValidationError as exc:
            error = f"malformed reply: {exc.errors(include_url=False)[0]['msg']}"
        except TimeoutError:
            error = f"no reply within {config.timeout_seconds:g} s"
        except Exception as exc:  # the judge's server failing must not end the run
            error = f"{type(exc).__name__}"
        log.warning("judge_reply_unusable", attempt=attempt, error=error)
    return Judgement(None, ATTEMPTS, error)


async def _ask(client: openai.AsyncOpenAI, config: JudgeConfig, prompt: str) -> str:
    # Streamed, so a judge that stalls mid-reply is caught by the overall deadline.
    stream = await client.chat.completions.create(
        model=config.model,
        messages=[
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": prompt},
        ],
        temperature=0,
        stream=True,
    )
    parts = []
    async for chunk in stream:
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
    return "".join(parts)


def judge_configured(settings: Settings) -> bool:
    """A judge to ask: one set up on its own, or the chat model of an online provider."""
    own = settings.judge_model or settings.judge_base_url or settings.judge_api_key
    return bool(own) or settings.chat_provider != "offline"
