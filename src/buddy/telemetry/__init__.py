"""Consented UI events: an allow-list, bounded sizes, nothing stored without consent."""
