"""Benchmarks: ifpcrawl against a bare Scrapy spider walking the same links (`make bench`)."""
