"""Chat: the streamed answer, its JSON Lines protocol, and who writes the answer."""
