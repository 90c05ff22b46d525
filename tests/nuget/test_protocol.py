"""Pure parts of the NuGet client: version order, id rules, discovery, nuspec reading."""

from __future__ import annotations

import pytest
from defusedxml import EntitiesForbidden

from buddy.errors import InvalidInputError
from buddy.nuget.client import NuGetUnavailableError, endpoints_from
from buddy.nuget.protocol import ServiceIndex, parse_nuspec
from buddy.nuget.versions import check_package_id, parse_version, version_key
from tests.fixtures.nuget_packages import service_index


def test_versions_sort_the_nuget_way() -> None:
    shuffled = [
        "1.0.0", "1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-alpha", "1.0.0-Alpha.1",
        "1.0.0.1", "10.0.0", "2.0", "1.0.0-rc.1+build.5", "1.0.0-beta",
    ]  # fmt: skip
    assert sorted(shuffled, key=version_key) == [
        "1.0.0-alpha", "1.0.0-Alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
        "1.0.0-rc.1+build.5", "1.0.0", "1.0.0.1", "2.0", "10.0.0",
    ]  # fmt: skip
    two, three = parse_version("2.0"), parse_version("2.0.0+meta")
    assert two is not None
    assert three is not None
    assert two.key == three.key  # normalisation: 2.0 is 2.0.0, build metadata does not count
    assert parse_version("latest") is None
    assert parse_version("1.2.3.4.5") is None


@pytest.mark.parametrize(
    "good", ["Newtonsoft.Json", "Microsoft.Extensions.AI", "a", "x_y-z.9", "A" * 100]
)
def test_good_ids(good: str) -> None:
    assert check_package_id(f" {good} ") == good


@pytest.mark.parametrize(
    "bad", ["", ".lead", "trail.", "a..b", "a.-b", "has space", "semi;colon", "é", "A" * 101]
)
def test_bad_ids(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        check_package_id(bad)


def test_discovery_reads_every_search_endpoint_once_in_order() -> None:
    index = ServiceIndex.model_validate(service_index("http://h", with_readme_template=False))
    found = endpoints_from(index)
    assert found.search == ("http://h/query-primary", "http://h/query-secondary")
    assert found.registrations == "http://h/reg-gz-semver2/"  # the gzip + SemVer 2.0.0 hive
    assert found.flat_container == "http://h/flat/"
    # Without a ReadmeUriTemplate the README comes from the flat container's own path.
    assert found.readme_url("Contoso.AI.Chat", "3.0.0-Preview.1") == (
        "http://h/flat/contoso.ai.chat/3.0.0-preview.1/readme"
    )
    assert found.nuspec_url("A.B", "1.0.0") == "http://h/flat/a.b/1.0.0/a.b.nuspec"


def test_an_index_without_search_is_refused() -> None:
    index = ServiceIndex.model_validate(
        {
            "version": "3.0.0",
            "resources": [{"@id": "http://h/f/", "@type": "PackageBaseAddress/3.0.0"}],
        }
    )
    with pytest.raises(NuGetUnavailableError, match="SearchQueryService, RegistrationsBaseUrl"):
        endpoints_from(index)


def test_nuspec_license_file_readme_and_description() -> None:
    body = b"""<?xml version="1.0"?>
<package xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd">
  <metadata minClientVersion="4.9">
    <id>A</id><version>1.0.0</version>
    <license type="file">docs/LICENSE.md</license>
    <readme>docs/README.md</readme>
    <description>  Does things.  </description>
  </metadata>
</package>"""
    nuspec = parse_nuspec(body)
    assert (nuspec.license_type, nuspec.license) == ("file", "docs/LICENSE.md")
    assert nuspec.readme == "docs/README.md"
    assert nuspec.description == "Does things."


def test_nuspec_entity_tricks_are_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]>
<package><metadata><description>&a;</description></metadata></package>"""
    with pytest.raises(EntitiesForbidden):
        parse_nuspec(bomb)
