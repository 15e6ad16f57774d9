"""Data fusion: department extracts -> governed -> fused person and enterprise libraries.

A batch pipeline on DuckDB (or Apache Spark) with Splink for probabilistic linkage. This package
imports no Django; `yimen fuse ...` and the registry loader are the Django-side parts.
See docs/fusion.md for the input contract and the outputs.
"""
