"""`buddy db` on the embedded store, and against MongoDB settings without a reachable server."""

from __future__ import annotations

from pathlib import Path

from buddy.config import Settings
from buddy.storage.factory import create_storage
from tests.cli.runner import run_buddy

# Nothing listens on the discard port locally: the real client fails to find a server.
UNREACHABLE = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300"


def test_mongodb_uri_selects_the_mongodb_backend() -> None:
    storage = create_storage(Settings(_env_file=None, mongodb_uri=UNREACHABLE))
    assert storage.name == "mongodb"  # nothing connects before open()


def test_migrate_needs_a_mongodb_target(tmp_path: Path) -> None:
    result = run_buddy("db", "migrate-from-sqlite", cwd=tmp_path, env={"MONGODB_URI": ""})
    assert result.returncode == 1
    assert "set MONGODB_URI" in result.stderr


def test_migrate_needs_a_sqlite_source(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite3"
    result = run_buddy(
        "db", "migrate-from-sqlite", str(missing), cwd=tmp_path, env={"MONGODB_URI": UNREACHABLE}
    )
    assert result.returncode == 1
    assert "no SQLite store at" in result.stderr


def test_db_init_on_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    result = run_buddy(
        "db", "init", cwd=tmp_path, env={"MONGODB_URI": UNREACHABLE, "DATABASE_NAME": "buddy_x"}
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == "error: MongoDB is not reachable; check MONGODB_URI and that the server is up."
    assert "Traceback" not in result.stderr
    assert "127.0.0.1:9" not in result.stderr  # the URI may hold a password: never printed


def test_db_init_on_sqlite_says_nothing_more_is_needed(tmp_path: Path) -> None:
    result = run_buddy("db", "init", cwd=tmp_path, env={"BUDDY_DATA_DIR": str(tmp_path / "d")})
    assert result.returncode == 0, result.stderr
    assert "SQLite schema is current" in result.stdout


def test_db_init_creates_the_store_and_is_idempotent(tmp_path: Path) -> None:
    env = {"BUDDY_DATA_DIR": str(tmp_path / "store")}
    first = run_buddy("db", "init", cwd=tmp_path, env=env)
    second = run_buddy("db", "init", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "sqlite store ready" in second.stdout
    assert (tmp_path / "store" / "buddy.sqlite3").is_file()


def test_db_init_reports_an_unusable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_buddy("db", "init", cwd=tmp_path, env={"BUDDY_DATA_DIR": str(blocker / "sub")})
    assert result.returncode == 1
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr


def test_db_prune_names_what_it_removed_and_the_retention(tmp_path: Path) -> None:
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d"), "BUDDY_ANSWER_RETENTION_DAYS": "30"}
    result = run_buddy("db", "prune", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "ok pruned 0 answers (30 d), 0 telemetry events (90 d), 0 conversations (180 d)"
    )
