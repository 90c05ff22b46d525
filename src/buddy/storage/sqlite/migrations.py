"""Forward-only schema migrations; entry N brings `PRAGMA user_version` from N to N+1.

Never edit a released entry: append a new one.
"""

from __future__ import annotations

# Identifiers such as IChatClient or Kernel.CreateBuilder should stay searchable as whole words.
_FTS_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '_'"

_V1 = (
    """CREATE TABLE pages (
        key TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        source_path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        updated TEXT
    )""",
    """CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        page_key TEXT NOT NULL REFERENCES pages(key) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        title TEXT NOT NULL,
        heading TEXT NOT NULL,
        content TEXT NOT NULL,
        url TEXT NOT NULL,
        source_path TEXT NOT NULL,
        language TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        updated TEXT,
        vector BLOB NOT NULL,
        text_hash TEXT NOT NULL DEFAULT '',
        terms TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX chunks_by_page ON chunks(page_key, ordinal)",
    "CREATE INDEX chunks_by_text_hash ON chunks(text_hash)",
    # `terms` holds identifier parts (IChatClient -> chat client) so camelCase and dotted
    # names match the words people type.
    f"""CREATE VIRTUAL TABLE chunks_fts USING fts5(
        title, heading, content, terms, content='chunks', content_rowid='rowid',
        tokenize="{_FTS_TOKENIZER}"
    )""",
    """CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, title, heading, content, terms)
        VALUES (new.rowid, new.title, new.heading, new.content, new.terms);
    END""",
    """CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, content, terms)
        VALUES ('delete', old.rowid, old.title, old.heading, old.content, old.terms);
    END""",
    "CREATE TABLE index_info (id INTEGER PRIMARY KEY CHECK (id = 1), model TEXT, dimension INT)",
    """CREATE TABLE news (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        summary TEXT NOT NULL,
        source TEXT NOT NULL,
        author TEXT NOT NULL,
        published TEXT NOT NULL,
        published_estimated INTEGER NOT NULL,
        content TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        feed_url TEXT NOT NULL,
        guid TEXT NOT NULL,
        search_text TEXT NOT NULL,
        content_hash TEXT NOT NULL
    )""",
    "CREATE INDEX news_by_published ON news(published DESC, id)",
    f"""CREATE VIRTUAL TABLE news_fts USING fts5(
        title, summary, content, content='news', content_rowid='rowid',
        tokenize="{_FTS_TOKENIZER}"
    )""",
    """CREATE TRIGGER news_fts_insert AFTER INSERT ON news BEGIN
        INSERT INTO news_fts(rowid, title, summary, content)
        VALUES (new.rowid, new.title, new.summary, new.content);
    END""",
    """CREATE TRIGGER news_fts_delete AFTER DELETE ON news BEGIN
        INSERT INTO news_fts(news_fts, rowid, title, summary, content)
        VALUES ('delete', old.rowid, old.title, old.summary, old.content);
    END""",
    """CREATE TRIGGER news_fts_update AFTER UPDATE ON news BEGIN
        INSERT INTO news_fts(news_fts, rowid, title, summary, content)
        VALUES ('delete', old.rowid, old.title, old.summary, old.content);
        INSERT INTO news_fts(rowid, title, summary, content)
        VALUES (new.rowid, new.title, new.summary, new.content);
    END""",
    """CREATE TABLE samples (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        preview TEXT NOT NULL,
        author TEXT NOT NULL,
        author_url TEXT NOT NULL,
        source TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        content_hash TEXT NOT NULL
    )""",
    """CREATE TABLE feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        span_id TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        feedback_type TEXT NOT NULL,
        comment TEXT NOT NULL,
        created_at TEXT NOT NULL,
        forwarded_to TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX feedback_by_span ON feedback(span_id)",
    """CREATE TABLE telemetry_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX telemetry_by_time ON telemetry_events(created_at)",
    """CREATE TABLE magic_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        requests_per_minute INTEGER,
        last_used_at TEXT
    )""",
)

# Small named values the service keeps between runs: feed validators, the demo-content marker.
_V2 = (
    """CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
)

# Each answer's question, sources and text by span id: the raw material of feedback exports.
_V3 = (
    """CREATE TABLE answers (
        span_id TEXT PRIMARY KEY,
        trace_id TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        sources TEXT NOT NULL,
        provider TEXT NOT NULL,
        error_code TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX answers_by_time ON answers(created_at)",
    "CREATE INDEX feedback_by_time ON feedback(created_at)",
)

# Admin keys (insights and metrics), and what an answer used and how long it took (insights).
_V4 = (
    "ALTER TABLE magic_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE answers ADD COLUMN tools TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE answers ADD COLUMN duration_s REAL NOT NULL DEFAULT 0",
)

# Saved conversations, their messages and share links (stored by the token's hash). Deleting
# a conversation takes its messages and shares with it.
_V5 = (
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        title_folded TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX conversations_by_owner ON conversations(owner, updated_at DESC, id)",
    "CREATE INDEX conversations_by_time ON conversations(updated_at)",
    """CREATE TABLE conversation_messages (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        span_id TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        citations TEXT NOT NULL,
        tool_calls TEXT NOT NULL,
        status TEXT NOT NULL,
        error_code TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE conversation_shares (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT
    )""",
    "CREATE INDEX shares_by_conversation ON conversation_shares(conversation_id, created_at)",
)

# Registered knowledge sources with their sync status and the lease that keeps two instances
# from syncing one source at once.
_V6 = (
    """CREATE TABLE knowledge_sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        location TEXT NOT NULL,
        created_at TEXT NOT NULL,
        base_url TEXT NOT NULL,
        include TEXT NOT NULL,
        exclude TEXT NOT NULL,
        branch TEXT NOT NULL,
        root TEXT NOT NULL,
        every_seconds INTEGER NOT NULL,
        max_pages INTEGER NOT NULL,
        last_started_at TEXT,
        last_finished_at TEXT,
        last_success_at TEXT,
        last_error TEXT NOT NULL,
        last_summary TEXT NOT NULL,
        pages INTEGER NOT NULL,
        chunks INTEGER NOT NULL,
        failures TEXT NOT NULL,
        cursor TEXT NOT NULL,
        lease_holder TEXT NOT NULL DEFAULT '',
        lease_until TEXT NOT NULL DEFAULT ''
    )""",
)

# How deep a website crawl follows links, per source (it was a fixed 5 before).
_V7 = ("ALTER TABLE knowledge_sources ADD COLUMN max_depth INTEGER NOT NULL DEFAULT 5",)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
