"""``newsletter compose ...`` commands (filled in by the issue that builds them)."""
