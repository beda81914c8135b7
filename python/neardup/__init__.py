"""neardup: near-duplicate detection and deduplication, the Rust core for Python.

Kernels take and give Arrow record batches and release the GIL while they
work; ``neardup.spark`` runs document-level deduplication on Apache Spark
with the same options, defaults and hashing as the ``neardup`` command.
"""

from neardup._core import Options, clean, similarity, sketch

__all__ = ["Options", "clean", "similarity", "sketch"]
