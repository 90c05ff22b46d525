"""`buddy keys` as an operator uses it, and the keys it makes against the production app."""

from __future__ import annotations

from pathlib import Path

import httpx

from buddy.app import create_app
from buddy.config import Settings
from tests.cli.runner import run_buddy
from tests.fixtures.server import serve_in_thread

PEPPER = "pepper-for-the-keys-test"


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "BUDDY_DATA_DIR": str(tmp_path / "d"),
        "BUDDY_KEY_PEPPER": PEPPER,
        "BUDDY_DEMO_CONTENT": "false",
        "COLUMNS": "250",
    }


def production_settings(tmp_path: Path) -> Settings:
    """The app's settings for the store the CLI commands above write."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "d",
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper=PEPPER,
        demo_content=False,
        mcp_url="",
    )


def test_create_list_disable_enable_and_use(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    made = run_buddy(
        "keys",
        "create",
        "--label",
        "conference",
        "--expires",
        "30d",
        "--rpm",
        "10",
        cwd=tmp_path,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("bk_")
    key_id = made.stdout.split("key id ")[1].split()[0]
    listed = run_buddy("keys", "list", cwd=tmp_path, env=env)
    assert key_id in listed.stdout
    assert "conference" in listed.stdout
    assert key not in listed.stdout
    assert (tmp_path / "d" / "buddy.sqlite3").read_bytes().find(key.encode()) == -1

    settings = production_settings(tmp_path)
    with serve_in_thread(create_app(settings)) as url:
        body = {"message": "How do I stream chat?"}
        assert httpx.post(f"{url}/api/chat", json=body | {"magic_key": key}).status_code == 200
        assert run_buddy("keys", "disable", key_id, cwd=tmp_path, env=env).returncode == 0
        refused = httpx.post(f"{url}/api/chat", json=body, headers={"X-Magic-Key": key})
        assert refused.status_code == 403
        assert run_buddy("keys", "enable", key_id, cwd=tmp_path, env=env).returncode == 0
        assert httpx.post(f"{url}/api/chat", json=body | {"magic_key": key}).status_code == 200


def test_key_commands_report_problems_in_one_line(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    unknown = run_buddy("keys", "disable", "nope", cwd=tmp_path, env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: no key has the id nope"
    bad = run_buddy("keys", "create", "--label", "x", "--expires", "soon", cwd=tmp_path, env=env)
    assert bad.returncode == 1
    assert "not a duration" in bad.stderr
    no_pepper = {key: value for key, value in env.items() if key != "BUDDY_KEY_PEPPER"}
    missing = run_buddy("keys", "create", "--label", "x", cwd=tmp_path, env=no_pepper)
    assert missing.returncode == 1
    assert "BUDDY_KEY_PEPPER" in missing.stderr


def test_an_admin_key_reads_metrics_and_a_chat_key_does_not(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    admin = run_buddy("keys", "create", "--label", "ops", "--admin", cwd=tmp_path, env=env)
    chat = run_buddy("keys", "create", "--label", "site", cwd=tmp_path, env=env)
    assert admin.returncode == 0, admin.stderr
    assert "admin key id" in admin.stdout
    admin_key, chat_key = (made.stdout.strip().splitlines()[-1] for made in (admin, chat))
    listed = run_buddy("keys", "list", cwd=tmp_path, env=env).stdout
    rows = [[cell.strip() for cell in line.split("\u2502")] for line in listed.splitlines()]
    admin_column = {row[2]: row[3] for row in rows if len(row) > 3}  # label -> admin
    assert (admin_column["ops"], admin_column["site"]) == ("yes", "no")
    settings = production_settings(tmp_path)
    with serve_in_thread(create_app(settings)) as url:
        bearer = {"Authorization": f"Bearer {admin_key}"}
        assert httpx.get(f"{url}/metrics", headers=bearer).status_code == 200
        refused = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {chat_key}"})
        assert refused.status_code == 403
