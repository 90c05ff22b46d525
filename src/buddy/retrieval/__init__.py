"""Retrieval: documentation ingestion, embeddings, hybrid search and its evaluation."""
