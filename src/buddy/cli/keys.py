"""`buddy keys ...`: magic keys for production access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import guarded, settings_for_command, with_services
from buddy.cli.output import emit, fail, show

if TYPE_CHECKING:
    from buddy.auth.service import NewKey
    from buddy.services import Services
    from buddy.storage.records import MagicKey

keys_app = typer.Typer(help="Magic keys for production access.", no_args_is_help=True)


@keys_app.command("create")
def create_command(
    label: Annotated[str, typer.Option(help="Who or what the key is for.")],
    expires: Annotated[str | None, typer.Option(help="Lifetime such as 30d, 12h, 2w.")] = None,
    rpm: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute for this key.")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="May also read insights and /metrics.")
    ] = False,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    from buddy.auth.service import create_key  # noqa: PLC0415 - keeps --help fast
    from buddy.durations import parse_duration  # noqa: PLC0415

    settings = settings_for_command()
    lifetime = guarded(lambda: parse_duration(expires)) if expires else None

    async def work(services: Services) -> NewKey:
        return await create_key(services.storage, settings, label, lifetime, rpm, admin=admin)

    made = with_services(work, settings)
    kind = "admin key" if admin else "key"
    show(f"{kind} id {made.record.id} ({escape(label)}) created. The key, shown only now:")
    emit(made.key)


@keys_app.command("list")
def list_command() -> None:
    """List keys (no secrets)."""

    async def work(services: Services) -> list[MagicKey]:
        return await services.storage.keys.list_keys()

    table = Table("id", "label", "admin", "enabled", "created", "expires", "rpm", "last used")
    for key in with_services(work):
        table.add_row(
            key.id,
            escape(key.label),
            "yes" if key.admin else "no",
            "yes" if key.enabled else "no",
            key.created_at.strftime("%Y-%m-%d"),
            key.expires_at.strftime("%Y-%m-%d %H:%M") if key.expires_at else "never",
            str(key.requests_per_minute or "default"),
            key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never",
        )
    show(table)


def _set_enabled(key_id: str, enabled: bool) -> None:
    async def work(services: Services) -> bool:
        return await services.storage.keys.set_key_enabled(key_id, enabled)

    if not with_services(work):
        raise fail(f"no key has the id {key_id}")
    show(f"key {escape(key_id)} {'enabled' if enabled else 'disabled'}")


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
