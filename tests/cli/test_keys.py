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

    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "d",
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper=PEPPER,
        demo_content=False,
        mcp_url="",
    )
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
