"""News: RSS/Atom ingestion, the news API and our own RSS output."""
