"""Whoosh search index over the archive: any-substring firm names, exact/prefix numbers."""
from search.index import SearchIndex
from search.results import Group, Hit, SearchResult
from search.schema import SCHEMA_VERSION, IndexDoc

__all__ = ["SCHEMA_VERSION", "Group", "Hit", "IndexDoc", "SearchIndex", "SearchResult"]
