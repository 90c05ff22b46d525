"""`buddy feedback export` as a real process: JSON Lines on stdout, the count on stderr."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import run_buddy


def test_export_of_an_empty_store_prints_no_lines_and_a_count(tmp_path: Path) -> None:
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d")}
    result = run_buddy("feedback", "export", "--since", "7d", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == "0 rated answers exported"


def test_a_bad_since_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d")}
    result = run_buddy("feedback", "export", "--since", "soon", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --since 'soon' is neither a duration (7d, 12h) nor a date (2026-11-01)"
    )
