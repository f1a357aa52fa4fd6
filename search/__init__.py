"""Whoosh search index over the archive (built in the archive/search issue)."""
