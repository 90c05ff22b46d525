"""Prometheus metrics: what the service counts, how a request is timed, and `/metrics`."""
