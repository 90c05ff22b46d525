"""Compact plain text of NuGet results for the agent: facts first, each with its URL."""

from __future__ import annotations

from buddy.nuget.schemas import Deprecation, PackageDetails, SearchResults

DESCRIPTION_CHARS = 200
README_CHARS = 1500
VERSIONS_SHOWN = 12


def search_text(results: SearchResults) -> str:
    if not results.packages:
        return f"No NuGet packages match '{results.query}'."
    lines = [f"NuGet packages for '{results.query}' ({results.totalHits} matches, best first):"]
    for package in results.packages:
        badge = "verified, " if package.verified else ""
        description = _clip(package.description, DESCRIPTION_CHARS)
        lines.append(
            f"- {package.id} {package.version} ({badge}{package.totalDownloads:,} downloads) "
            f"{package.url}: {description}"
        )
    return "\n".join(lines)


def package_text(package: PackageDetails) -> str:
    lines = [
        f"{package.id} {package.version}: {package.url}",
        f"Install: {package.install}",
        f"Authors: {', '.join(package.authors) or 'unknown'}",
        f"License: {_license(package)}",
    ]
    if package.projectUrl:
        lines.append(f"Project: {package.projectUrl}")
    lines += [f"{kind.upper()}: {sentence}" for kind, sentence in risk_notes(package)]
    lines.append(f"Description: {_clip(package.description, DESCRIPTION_CHARS * 2)}")
    lines += _dependencies(package)
    lines.append("Versions, newest first: " + _versions(package))
    if package.readme.text:
        source = "README" if package.readme.source == "readme" else "Description (no README)"
        lines.append(f"{source}:\n{_clip(package.readme.text, README_CHARS)}")
    return "\n".join(lines)


def risk_notes(package: PackageDetails) -> list[tuple[str, str]]:
    """(kind, sentence) for each reason to think twice before installing this version."""
    found = [("unlisted", "hidden from search by its owners.")] if not package.listed else []
    if package.deprecation is not None:
        found.append(("deprecated", deprecation_text(package.deprecation)))
    found += [
        ("vulnerable", f"{item.severity} severity, advisory {item.advisoryUrl}")
        for item in package.vulnerabilities
    ]
    return found


def deprecation_text(deprecation: Deprecation) -> str:
    text = ", ".join(deprecation.reasons) or "deprecated"
    if deprecation.message:
        text += f" ({deprecation.message})"
    alternate = deprecation.alternatePackage
    if alternate is not None:
        wanted = "" if alternate.range in (None, "", "*") else f" {alternate.range}"
        text += f"; use {alternate.id}{wanted} instead"
    return text


def _license(package: PackageDetails) -> str:
    license_ = package.license
    if license_.kind == "none" or not license_.value:
        return "not stated"
    if license_.kind == "file":
        return f"file {license_.value} ({license_.url})"
    return license_.value


def _dependencies(package: PackageDetails) -> list[str]:
    if not any(group.dependencies for group in package.dependencyGroups):
        return ["Dependencies: none"]
    lines = ["Dependencies:"]
    for group in package.dependencyGroups:
        names = ", ".join(
            f"{dep.id} {dep.range}" if dep.range else dep.id for dep in group.dependencies
        )
        lines.append(f"  {group.targetFramework or 'any framework'}: {names or 'none'}")
    return lines


def _versions(package: PackageDetails) -> str:
    shown = []
    for info in package.versions[:VERSIONS_SHOWN]:
        marks = [
            word
            for word, present in (
                ("unlisted", not info.listed),
                ("deprecated", info.deprecation is not None),
                ("vulnerable", bool(info.vulnerabilities)),
            )
            if present
        ]
        shown.append(f"{info.version} ({', '.join(marks)})" if marks else info.version)
    more = len(package.versions) - VERSIONS_SHOWN
    return ", ".join(shown) + (f" and {more} older" if more > 0 else "")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
