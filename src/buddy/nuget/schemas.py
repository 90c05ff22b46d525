"""What the NuGet API and tools return; field names follow NuGet's own JSON (camelCase)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class PackageSummary(BaseModel):
    id: str
    version: str
    title: str | None
    description: str
    authors: list[str]
    owners: list[str]
    totalDownloads: int
    verified: bool
    tags: list[str]
    projectUrl: str | None
    packageTypes: list[str]
    url: str  # the package's gallery page
    install: str  # `dotnet add package ...`


class SearchResults(BaseModel):
    query: str
    totalHits: int
    skip: int
    take: int
    packages: list[PackageSummary]


class AlternatePackage(BaseModel):
    id: str
    range: str | None


class Deprecation(BaseModel):
    reasons: list[str]
    message: str | None
    alternatePackage: AlternatePackage | None


Severity = Literal["Low", "Moderate", "High", "Critical", "Unknown"]


class Vulnerability(BaseModel):
    severity: Severity
    advisoryUrl: str


class Dependency(BaseModel):
    id: str
    range: str | None


class DependencyGroup(BaseModel):
    targetFramework: str | None  # None: applies to every framework
    dependencies: list[Dependency]


class VersionInfo(BaseModel):
    version: str
    listed: bool
    published: str | None
    deprecation: Deprecation | None
    vulnerabilities: list[Vulnerability]


class License(BaseModel):
    kind: Literal["expression", "file", "url", "none"]
    value: str | None  # SPDX expression, file name in the package, or URL
    url: str | None  # where a person can read it


class Readme(BaseModel):
    source: Literal["readme", "nuspec", "none"]  # the package README, or the nuspec description
    text: str
    truncated: bool


class PackageDetails(BaseModel):
    id: str
    version: str
    title: str | None
    description: str
    authors: list[str]
    tags: list[str]
    projectUrl: str | None
    url: str
    install: str
    listed: bool
    published: str | None
    license: License
    deprecation: Deprecation | None
    vulnerabilities: list[Vulnerability]
    dependencyGroups: list[DependencyGroup]
    versions: list[VersionInfo]  # newest first, every version the source knows
    readme: Readme
