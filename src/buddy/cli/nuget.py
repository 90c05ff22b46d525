"""`buddy nuget search` and `buddy nuget show`: the NuGet source from the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import with_services
from buddy.cli.output import emit, show
from buddy.nuget import MAX_TAKE

if TYPE_CHECKING:
    from buddy.nuget.schemas import PackageDetails, SearchResults
    from buddy.services import Services

nuget_app = typer.Typer(help="NuGet packages: search and details.", no_args_is_help=True)
README_LINES = 25
VERSIONS_SHOWN = 20


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

    async def work(services: Services) -> SearchResults:
        return await services.nuget.search(
            query, take=take, prerelease=prerelease, package_type=package_type
        )

    results = with_services(work)
    if as_json:
        emit(results.model_dump_json(indent=2))
        return
    if not results.packages:
        show(f"no packages match '{escape(query)}'")
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
    show(table)
    show(f"{len(results.packages)} of {results.totalHits} matches")


@nuget_app.command("show")
def show_command(
    package_id: Annotated[str, typer.Argument(metavar="ID", help="Package id.")],
    version: Annotated[
        str | None, typer.Option("--version", help="A version (default: newest stable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A package's versions, deprecation, vulnerabilities, dependencies, license and README."""

    async def work(services: Services) -> PackageDetails:
        return await services.nuget.package(package_id, version)

    package = with_services(work)
    if as_json:
        emit(package.model_dump_json(indent=2))
        return
    _print_package(package)


def _print_package(package: PackageDetails) -> None:
    from buddy.nuget.text import risk_notes  # noqa: PLC0415 - keeps --help fast

    show(f"[bold]{escape(package.id)} {escape(package.version)}[/]  {escape(package.url)}")
    show(escape(package.install))
    license_ = package.license
    where = f", {license_.url}" if license_.kind == "file" and license_.url else ""
    show(f"license: {escape(license_.value or 'not stated')} ({license_.kind}{escape(where)})")
    for kind, sentence in risk_notes(package):
        show(f"[red]{kind}:[/] {escape(sentence)}")
    dependencies = Table("target framework", "dependencies", title="Dependencies")
    for group in package.dependencyGroups:
        names = ", ".join(f"{d.id} {d.range or ''}".strip() for d in group.dependencies)
        dependencies.add_row(escape(group.targetFramework or "any"), escape(names or "none"))
    if package.dependencyGroups:
        show(dependencies)
    versions = Table("version", "listed", "status", title="Versions")
    for info in package.versions[:VERSIONS_SHOWN]:
        status = [f"deprecated ({', '.join(info.deprecation.reasons)})"] if info.deprecation else []
        status += [f"{v.severity} vulnerability" for v in info.vulnerabilities]
        versions.add_row(escape(info.version), "yes" if info.listed else "no", "; ".join(status))
    show(versions)
    if len(package.versions) > VERSIONS_SHOWN:
        show(f"and {len(package.versions) - VERSIONS_SHOWN} older versions (--json lists all)")
    if package.readme.text:
        lines = package.readme.text.splitlines()
        more = "\n…" if len(lines) > README_LINES or package.readme.truncated else ""
        show(f"[bold]{'README' if package.readme.source == 'readme' else 'Description'}[/]")
        show(escape("\n".join(lines[:README_LINES]) + more))
