"""Operator insights: what people ask most and what goes unanswered, grouped by meaning."""
