"""The NuGet v3 wire formats we read: service index, search, registration, nuspec.

Only the fields we use are declared; servers add others freely and those are ignored.
"""

from __future__ import annotations

from typing import Annotated

from defusedxml import ElementTree
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _as_list(value: object) -> object:
    # Several fields are "string or array of strings"; a string holds comma-separated values.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [] if value is None else value


def _words(value: object) -> object:
    # Tags arrive as an array, or as one string separated by spaces or commas.
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [] if value is None else value


Names = Annotated[list[str], BeforeValidator(_as_list)]
Tags = Annotated[list[str], BeforeValidator(_words)]


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Resource(_Wire):
    url: str = Field(alias="@id")
    type: str = Field(alias="@type")


class ServiceIndex(_Wire):
    version: str
    resources: list[Resource]


class PackageType(_Wire):
    name: str


class _PackageMetadata(_Wire):
    """Fields a search hit and a catalog entry share."""

    id: str
    version: str
    title: str | None = None
    description: str = ""
    summary: str = ""
    authors: Names = []
    tags: Tags = []
    project_url: str | None = Field(default=None, alias="projectUrl")


class SearchHit(_PackageMetadata):
    owners: Names = []
    total_downloads: int = Field(default=0, alias="totalDownloads")
    verified: bool = False
    package_types: list[PackageType] = Field(default=[], alias="packageTypes")


class SearchResponse(_Wire):
    total_hits: int = Field(alias="totalHits")
    data: list[SearchHit]


class AlternatePackage(_Wire):
    id: str
    range: str | None = None


class Deprecation(_Wire):
    reasons: list[str] = []
    message: str | None = None
    alternate_package: AlternatePackage | None = Field(default=None, alias="alternatePackage")


class Vulnerability(_Wire):
    advisory_url: str = Field(alias="advisoryUrl")
    severity: str


class Dependency(_Wire):
    id: str
    range: str | None = None


class DependencyGroup(_Wire):
    target_framework: str | None = Field(default=None, alias="targetFramework")
    dependencies: list[Dependency] = []


class CatalogEntry(_PackageMetadata):
    license_expression: str | None = Field(default=None, alias="licenseExpression")
    license_url: str | None = Field(default=None, alias="licenseUrl")
    listed: bool = True  # the protocol says: listed when absent
    published: str | None = None
    dependency_groups: list[DependencyGroup] = Field(default=[], alias="dependencyGroups")
    deprecation: Deprecation | None = None
    vulnerabilities: list[Vulnerability] = []


class RegistrationLeaf(_Wire):
    url: str = Field(alias="@id")
    catalog_entry: CatalogEntry = Field(alias="catalogEntry")
    package_content: str | None = Field(default=None, alias="packageContent")


class RegistrationPage(_Wire):
    url: str = Field(alias="@id")
    count: int
    lower: str
    upper: str
    items: list[RegistrationLeaf] | None = None  # absent when the page must be fetched alone


class RegistrationIndex(_Wire):
    count: int
    items: list[RegistrationPage]


class Nuspec(BaseModel):
    """The parts of a .nuspec we use."""

    description: str = ""
    license_type: str | None = None  # "expression" or "file"
    license: str | None = None
    readme: str | None = None  # the README's path inside the package


def parse_nuspec(body: bytes) -> Nuspec:
    """Read a .nuspec. Its XML namespace differs between schema versions, so elements are
    matched by local name. defusedxml refuses entity tricks in a document from the network."""
    root = ElementTree.fromstring(body)
    metadata = next((node for node in root if _local(node.tag) == "metadata"), None)
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for node in metadata if metadata is not None else []:
        found[_local(node.tag)] = ((node.text or "").strip(), dict(node.attrib))
    license_text, license_attrs = found.get("license", ("", {}))
    return Nuspec(
        description=found.get("description", ("", {}))[0],
        license_type=license_attrs.get("type") if license_text else None,
        license=license_text or None,
        readme=found.get("readme", ("", {}))[0] or None,
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
