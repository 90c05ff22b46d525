"""Settings: the seed's variables plus `BUDDY_*` ones, from the environment or `.env`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from buddy.logs import redact_text


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _seed(name: str) -> Any:
    """Read a field from the seed's unprefixed variable name."""
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting of the service; the README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(
        env_prefix="BUDDY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- the seed's variables (unprefixed, kept for compatibility) ---
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_seed("OPENAI_API_KEY"),
        description="OpenAI API key; enables the OpenAI model provider.",
    )
    mongodb_uri: SecretStr | None = Field(
        default=None,
        validation_alias=_seed("MONGODB_URI"),
        description="MongoDB connection string; selects the MongoDB store instead of SQLite.",
    )
    database_name: str = Field(
        default="csharpAIBuddy",
        validation_alias=_seed("DATABASE_NAME"),
        description="MongoDB database name.",
    )
    arize_space_id: str | None = Field(
        default=None,
        validation_alias=_seed("ARIZE_SPACE_ID"),
        description="Arize space id; with ARIZE_API_KEY sends traces to Arize.",
    )
    arize_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_seed("ARIZE_API_KEY"),
        description="Arize API key.",
    )
    arize_project_name: str = Field(
        default="csharp-ai-buddy",
        validation_alias=_seed("ARIZE_PROJECT_NAME"),
        description="Arize project the traces go to.",
    )
    phoenix_collector_endpoint: str | None = Field(
        default=None,
        validation_alias=_seed("PHOENIX_COLLECTOR_ENDPOINT"),
        description="Phoenix base URL (e.g. http://127.0.0.1:6006); sends traces and feedback.",
    )
    phoenix_project_name: str = Field(
        default="csharp-ai-buddy",
        validation_alias=_seed("PHOENIX_PROJECT_NAME"),
        description="Phoenix project the traces go to.",
    )
    phoenix_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_seed("PHOENIX_API_KEY"),
        description="Phoenix API key, for a Phoenix with authentication on.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=_seed("OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible API (Ollama, vLLM, Azure /openai/v1/).",
    )
    port: int = Field(
        default=8000,
        ge=0,
        le=65535,
        validation_alias=_seed("PORT"),
        description="TCP port `buddy serve` listens on (0 picks a free one).",
    )
    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        validation_alias=_seed("ENVIRONMENT"),
        description="`development` or `production`; production refuses unsafe values.",
    )

    # --- project settings (BUDDY_ prefix) ---
    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the SQLite file and caches; created on first start.",
    )
    host: str = Field(default="127.0.0.1", description="Interface `buddy serve` binds to.")
    shutdown_grace_seconds: int = Field(
        default=25,
        ge=0,
        le=3600,
        description="On SIGTERM, how long `buddy serve` lets open answer streams finish.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"],
        description="Comma-separated origins allowed by CORS; `*` is refused in production.",
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; larger bodies get 413.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest log level written."
    )
    log_format: Literal["console", "json"] = Field(
        default="console", description="`console` for people, `json` for log collectors."
    )
    mongo_num_candidates: int = Field(
        default=1200,
        ge=1,
        le=10_000,
        description=(
            "Atlas `$vectorSearch` numCandidates: neighbours considered before the best are kept "
            "(about 20x the limit keeps approximate search close to exact)."
        ),
    )
    mongo_vector_limit: int = Field(
        default=60,
        ge=1,
        le=1000,
        description="Most chunks one Atlas `$vectorSearch` or `$search` returns for fusion.",
    )
    mongo_fallback_candidates: int = Field(
        default=5000,
        ge=100,
        description=(
            "Without Atlas Search: most chunks scored in-app for one keyword search "
            "(bounds memory and time on a plain MongoDB server)."
        ),
    )
    telemetry_retention_days: int = Field(
        default=90,
        ge=1,
        description="Days telemetry events are kept: `buddy db prune`; MongoDB also by TTL index.",
    )
    sqlite_readers: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Reader threads for SQLite; writes always go through one writer thread.",
    )

    key_pepper: SecretStr | None = Field(
        default=None,
        description="Secret mixed into magic-key hashes; required in production.",
    )
    demo_content: bool = Field(
        default=True,
        description="Load the bundled demo samples and news into an empty store on first start.",
    )
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated RSS/Atom feed URLs for `buddy ingest feed` and the refresher.",
    )
    feed_refresh_minutes: int = Field(
        default=0,
        ge=0,
        description="Re-ingest BUDDY_FEEDS every N minutes while serving; 0 turns it off.",
    )
    feed_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Timeout for fetching one feed."
    )
    feed_max_bytes: int = Field(
        default=10_485_760, ge=1024, description="Largest feed document fetched; larger is refused."
    )

    source_check_seconds: float = Field(
        default=60.0,
        ge=0,
        description=(
            "How often the running service looks for registered knowledge sources due a "
            "sync (`buddy sources add --every`); 0 turns scheduled syncs off."
        ),
    )
    source_concurrency: int = Field(
        default=2,
        ge=1,
        le=16,
        description=(
            "How many due knowledge sources one running service syncs at once; a long crawl "
            "then does not hold back the others (each source is still synced by one instance "
            "at a time)."
        ),
    )
    source_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description=(
            "How long a source's sync lease lasts unless renewed (renewed every third of it); "
            "after a crash another instance may sync the source once it runs out."
        ),
    )
    source_user_agent: str = Field(
        default="CSharpAIBuddy/0.1 (knowledge-source sync)",
        min_length=1,
        description="User-Agent of sitemap and website syncs; robots.txt rules are read for it.",
    )
    source_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Timeout for fetching one page of a web source."
    )
    source_host_concurrency: int = Field(
        default=4, ge=1, le=32, description="Requests a web source sync has open to one host."
    )
    source_host_rate: float = Field(
        default=4.0,
        gt=0,
        le=100,
        description="Requests per second a web source sync starts to one host, at most.",
    )

    llm_provider: Literal["auto", "offline", "openai", "openai-compatible"] = Field(
        default="auto",
        description=(
            "`offline` (no model), `openai` (Responses API), `openai-compatible` (Chat "
            "Completions at OPENAI_BASE_URL); `auto` is `openai` when OPENAI_API_KEY is set."
        ),
    )
    chat_model: str = Field(
        default="gpt-4.1-mini", description="Model name for the openai providers."
    )
    llm_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Timeout of one model request."
    )
    llm_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed model request (429, 5xx)."
    )
    llm_stall_seconds: float = Field(
        default=30.0, gt=0, description="End the answer with an error after this long silent."
    )
    judge_model: str | None = Field(
        default=None,
        description="Model that scores answers in `buddy eval answers` (default BUDDY_CHAT_MODEL).",
    )
    judge_base_url: str | None = Field(
        default=None,
        description="Chat Completions base URL of the judge model (default OPENAI_BASE_URL).",
    )
    judge_api_key: SecretStr | None = Field(
        default=None, description="API key of the judge model (default OPENAI_API_KEY)."
    )
    history_token_budget: int = Field(
        default=6000, ge=0, description="Tokens of chat history sent to the model, newest kept."
    )
    mcp_url: str = Field(
        default="https://learn.microsoft.com/api/mcp",
        description="Microsoft Learn MCP server (streamable HTTP) for the agent; empty disables.",
    )
    embedder: Literal["local", "openai"] = Field(
        default="local",
        description="`local` (offline MiniLM, 384-d) or `openai` (OpenAI-compatible /embeddings).",
    )
    embedding_model: str = Field(
        default="text-embedding-3-small", description="Model name for BUDDY_EMBEDDER=openai."
    )
    embedding_dimension: int = Field(
        default=1536, ge=8, le=8192, description="Vector size for BUDDY_EMBEDDER=openai."
    )
    embedding_base_url: str | None = Field(
        default=None,
        description="Embeddings endpoint base URL when it differs from OPENAI_BASE_URL.",
    )
    nuget_service_index: str = Field(
        default="https://api.nuget.org/v3/index.json",
        pattern=r"^https?://",
        description="NuGet v3 service index; search, registration and package URLs come from it.",
    )
    nuget_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Deadline of one NuGet request, retries apart."
    )
    nuget_gallery_url: str = Field(
        default="https://www.nuget.org",
        pattern=r"^https?://",
        description="Gallery whose package pages are cited (`<url>/packages/<id>/<version>`).",
    )
    nuget_cache_entries: int = Field(
        default=1000,
        ge=1,
        description="Searches and package details each kept in memory (10 min and 1 h).",
    )

    arize_otlp_endpoint: str = Field(
        default="https://otlp.arize.com/v1/traces",
        description="Arize OTLP/HTTP trace endpoint (used when the Arize keys are set).",
    )
    trace_queue_size: int = Field(
        default=2048,
        ge=16,
        description="Spans held for export; beyond it new spans are dropped, never blocking.",
    )
    feedback_forward_attempts: int = Field(
        default=12,
        ge=1,
        description="Forwarding attempts per feedback row before the outbox gives up on it.",
    )
    answer_retention_days: int = Field(
        default=90,
        ge=1,
        description="Days the question, sources and answer of each chat are kept for feedback.",
    )
    conversation_retention_days: int = Field(
        default=180,
        ge=1,
        description="Days a saved conversation is kept after its last change (with its links).",
    )
    max_conversations_per_owner: int = Field(
        default=500,
        ge=1,
        description="Saved conversations one key or browser may have; more are refused (409).",
    )
    max_conversation_messages: int = Field(
        default=400,
        ge=2,
        le=2000,
        description="Questions and answers one conversation holds; a full one is refused (413).",
    )

    rate_limit_chat: str = Field(
        default="20/minute",
        description="Chat requests allowed per access key (production) or client address.",
    )
    rate_limit_api: str = Field(
        default="600/minute",
        description="Requests to the other routes allowed per client address.",
    )
    rate_limit_storage: str = Field(
        default="auto",
        description="Where rate counters live: `auto` (memory, or MongoDB when used) or a URI.",
    )
    metrics: bool = Field(
        default=True,
        description="Count requests, streams, tools and votes for Prometheus at `/metrics`.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Interface of the private metrics listener (with BUDDY_METRICS_PORT).",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve `/metrics` only on this port of `buddy serve` (not on the app's).",
    )
    max_open_streams: int = Field(
        default=0,
        ge=0,
        description="Chat streams one worker serves at once; more get 503 (0: no cap).",
    )
    max_message_chars: int = Field(
        default=8000, ge=1, le=1_000_000, description="Longest chat message accepted."
    )
    max_history_turns: int = Field(
        default=50, ge=0, le=10_000, description="Most history turns a chat request may carry."
    )
    max_history_chars: int = Field(
        default=64_000, ge=0, description="Most characters of history a chat request may carry."
    )
    max_comment_chars: int = Field(
        default=2000, ge=0, le=100_000, description="Longest feedback comment accepted."
    )
    max_telemetry_bytes: int = Field(
        default=4096, ge=64, le=65_536, description="Largest telemetry `data` object (as JSON)."
    )
    max_page_size: int = Field(
        default=100, ge=1, le=1000, description="Largest page_size of the list routes."
    )

    @field_validator("rate_limit_chat", "rate_limit_api")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse  # noqa: PLC0415 - only when the setting is read

        try:
            parse(value)
        except ValueError:
            msg = f"'{value}' is not a rate such as 20/minute, 5/second or 1000/hour"
            raise ValueError(msg) from None
        return value

    @field_validator("cors_origins", "feeds", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("environment", mode="before")
    @classmethod
    def _lower_environment(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION and (
            not self.cors_origins or "*" in self.cors_origins
        ):
            msg = (
                "ENVIRONMENT=production needs BUDDY_CORS_ORIGINS to list the allowed origins "
                "(for example https://buddy.example.com); '*' is not allowed in production"
            )
            raise ValueError(msg)
        if self.environment is Environment.PRODUCTION and not self.key_pepper:
            msg = (
                "ENVIRONMENT=production needs BUDDY_KEY_PEPPER (a long random secret) so access "
                "keys can be checked; chat stays closed without it"
            )
            raise ValueError(msg)
        return self

    @property
    def chat_provider(self) -> str:
        """The provider in effect once `auto` is resolved."""
        if self.llm_provider != "auto":
            return self.llm_provider
        return "openai" if self.openai_api_key else "offline"

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "buddy.sqlite3"


def env_name(field_name: str) -> str:
    """The environment variable that sets a field (seed name or `BUDDY_` + upper name)."""
    field = Settings.model_fields[field_name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        if isinstance(first, str):
            return first
    prefix = Settings.model_config.get("env_prefix", "")
    return f"{prefix}{field_name}".upper()


def describe_settings(settings: Settings) -> list[tuple[str, str]]:
    """Each setting's variable name and effective value, secrets masked."""
    rows: list[tuple[str, str]] = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "****" if value.get_secret_value() else ""
        elif value is None:
            shown = ""
        elif isinstance(value, list):
            shown = ",".join(str(item) for item in value)
        else:
            shown = str(value)
        rows.append((env_name(name), redact_text(shown)))
    return rows


class ConfigError(Exception):
    """Settings could not be loaded; the message names the variable and the fix."""


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's error into one readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(readable_validation_error(exc)) from None


def readable_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(item) for item in error["loc"])
        field = location.split(".")[0] if location else ""
        name = env_name(field) if field in Settings.model_fields else location
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "; ".join(parts)
