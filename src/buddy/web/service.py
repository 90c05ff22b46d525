"""The page's option lists, built from the one taxonomy the chat filters are resolved against."""

from __future__ import annotations

from functools import cache

from buddy.taxonomy import TAGS, Facet, facet_options
from buddy.web.schemas import ChatFilterOptions, FilterName, PageOptions

# Which taxonomy facet each chat filter draws its values from (see chat.service.filter_tags).
_FILTERS: tuple[tuple[FilterName, str, Facet], ...] = (
    ("dotnetVersion", ".NET version", Facet.DOTNET),
    ("aiLibrary", "AI library", Facet.LIBRARY),
    ("aiProvider", "AI provider", Facet.PROVIDER),
)


@cache
def page_options() -> PageOptions:
    """Filter values are the taxonomy labels: the chat maps a label back to its tag."""
    return PageOptions(
        filters=[
            ChatFilterOptions(
                name=name, label=label, values=[tag.label for tag in facet_options(facet)]
            )
            for name, label, facet in _FILTERS
        ],
        tags={tag.slug: tag.label for tag in TAGS},
    )
