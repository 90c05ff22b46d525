"""Access: magic keys (stored hashed) that production requires for chat."""
