"""`buddy keys ...`: magic keys for production access."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.auth.service import NewKey, create_key, parse_duration
from buddy.cli_support import fail, out, run_async, settings_for_command
from buddy.storage.factory import opened_storage
from buddy.storage.records import MagicKey

keys_app = typer.Typer(help="Magic keys for production access.", no_args_is_help=True)


@keys_app.command("create")
def create_command(
    label: Annotated[str, typer.Option(help="Who or what the key is for.")],
    expires: Annotated[str | None, typer.Option(help="Lifetime such as 30d, 12h, 2w.")] = None,
    rpm: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute for this key.")
    ] = None,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    settings = settings_for_command()

    async def work() -> NewKey:
        lifetime = parse_duration(expires) if expires else None
        async with opened_storage(settings) as storage:
            return await create_key(storage, settings, label, lifetime, rpm)

    made = run_async(work)
    out.print(f"key id {made.record.id} ({escape(label)}) created. The key, shown only now:")
    print(made.key)


@keys_app.command("list")
def list_command() -> None:
    """List keys (no secrets)."""
    settings = settings_for_command()

    async def work() -> list[MagicKey]:
        async with opened_storage(settings) as storage:
            return await storage.keys.list_keys()

    table = Table("id", "label", "enabled", "created", "expires", "rpm", "last used")
    for key in run_async(work):
        table.add_row(
            key.id,
            escape(key.label),
            "yes" if key.enabled else "no",
            key.created_at.strftime("%Y-%m-%d"),
            key.expires_at.strftime("%Y-%m-%d %H:%M") if key.expires_at else "never",
            str(key.requests_per_minute or "default"),
            key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never",
        )
    out.print(table)


def _set_enabled(key_id: str, enabled: bool) -> None:
    settings = settings_for_command()

    async def work() -> bool:
        async with opened_storage(settings) as storage:
            return await storage.keys.set_key_enabled(key_id, enabled)

    if not run_async(work):
        raise fail(f"no key has the id {key_id}")
    out.print(f"key {escape(key_id)} {'enabled' if enabled else 'disabled'}")


@keys_app.command("disable")
def disable_command(
    key_id: Annotated[str, typer.Argument(help="Key id from `keys list`.")],
) -> None:
    """Stop a key from working (it can be enabled again)."""
    _set_enabled(key_id, False)


@keys_app.command("enable")
def enable_command(key_id: Annotated[str, typer.Argument(help="Key id from `keys list`.")]) -> None:
    """Let a disabled key work again."""
    _set_enabled(key_id, True)
