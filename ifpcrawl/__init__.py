"""ifpcrawl: a complete, clean, queryable copy of Iran Front Page and other WordPress news sites."""

__version__ = "0.1.0"
