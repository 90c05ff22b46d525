"""`buddy nuget search` and `buddy nuget show`: the NuGet source from the terminal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli_support import out, run_async, settings_for_command
from buddy.nuget.schemas import PackageDetails, SearchResults
from buddy.nuget.service import MAX_TAKE, NuGetService
from buddy.nuget.text import risk_notes

nuget_app = typer.Typer(help="NuGet packages: search and details.", no_args_is_help=True)
T = TypeVar("T")
README_LINES = 25
VERSIONS_SHOWN = 20


def _with_nuget(work: Callable[[NuGetService], Awaitable[T]]) -> T:
    settings = settings_for_command()

    async def run() -> T:
        async with httpx.AsyncClient() as http:
            return await work(NuGetService.from_settings(settings, http))

    return run_async(run)


@nuget_app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Search terms, e.g. 'semantic kernel'.")],
    take: Annotated[int, typer.Option(min=1, max=MAX_TAKE, help="Results to show.")] = 10,
    prerelease: Annotated[bool, typer.Option(help="Include pre-release versions.")] = False,
    package_type: Annotated[
        str | None, typer.Option(help="Only this package type, e.g. DotnetTool.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the NuGet source; verified and Microsoft packages first among equals."""
    results: SearchResults = _with_nuget(
        lambda nuget: nuget.search(
            query, take=take, prerelease=prerelease, package_type=package_type
        )
    )
    if as_json:
        print(results.model_dump_json(indent=2))
        return
    if not results.packages:
        out.print(f"no packages match '{escape(query)}'")
        return
    table = Table("id", "version", "downloads", "verified", "description")
    for package in results.packages:
        table.add_row(
            escape(package.id),
            escape(package.version),
            f"{package.totalDownloads:,}",
            "yes" if package.verified else "",
            escape(package.description[:120]),
        )
    out.print(table)
    out.print(f"{len(results.packages)} of {results.totalHits} matches", highlight=False)


@nuget_app.command("show")
def show_command(
    package_id: Annotated[str, typer.Argument(metavar="ID", help="Package id.")],
    version: Annotated[
        str | None, typer.Option("--version", help="A version (default: newest stable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A package's versions, deprecation, vulnerabilities, dependencies, license and README."""
    package: PackageDetails = _with_nuget(lambda nuget: nuget.package(package_id, version))
    if as_json:
        print(package.model_dump_json(indent=2))
        return
    _print_package(package)


def _print_package(package: PackageDetails) -> None:
    out.print(f"[bold]{escape(package.id)} {escape(package.version)}[/]  {escape(package.url)}")
    out.print(escape(package.install), highlight=False)
    license_ = package.license
    where = f", {license_.url}" if license_.kind == "file" and license_.url else ""
    out.print(f"license: {escape(license_.value or 'not stated')} ({license_.kind}{escape(where)})")
    for kind, sentence in risk_notes(package):
        out.print(f"[red]{kind}:[/] {escape(sentence)}", highlight=False)
    dependencies = Table("target framework", "dependencies", title="Dependencies")
    for group in package.dependencyGroups:
        names = ", ".join(f"{d.id} {d.range or ''}".strip() for d in group.dependencies)
        dependencies.add_row(escape(group.targetFramework or "any"), escape(names or "none"))
    if package.dependencyGroups:
        out.print(dependencies)
    versions = Table("version", "listed", "status", title="Versions")
    for info in package.versions[:VERSIONS_SHOWN]:
        status = [f"deprecated ({', '.join(info.deprecation.reasons)})"] if info.deprecation else []
        status += [f"{v.severity} vulnerability" for v in info.vulnerabilities]
        versions.add_row(escape(info.version), "yes" if info.listed else "no", "; ".join(status))
    out.print(versions)
    if len(package.versions) > VERSIONS_SHOWN:
        out.print(f"and {len(package.versions) - VERSIONS_SHOWN} older versions (--json lists all)")
    if package.readme.text:
        lines = package.readme.text.splitlines()
        more = "\n…" if len(lines) > README_LINES or package.readme.truncated else ""
        out.print(f"[bold]{'README' if package.readme.source == 'readme' else 'Description'}[/]")
        out.print(escape("\n".join(lines[:README_LINES]) + more), highlight=False)
