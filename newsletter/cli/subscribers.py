"""``newsletter subscribers ...`` commands (filled in by the issue that builds them)."""
