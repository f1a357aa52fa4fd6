"""Records database and append-only document archive (built in the archive issue)."""
