"""The samples gallery: a catalog file, its import, and the gallery API."""
