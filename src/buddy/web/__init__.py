"""The web page: static files, the routes that serve its documents, and its filter options."""
