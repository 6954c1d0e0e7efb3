"""Batch evaluation of JSON Lines records: the public API (``govrules check --batch`` runs on it).

``evaluate_lines(ruleset, lines, start_line=1)`` is the unit of work: raw lines in, one
``Result`` per non-blank line out, in order, each with its file-wide line number. It needs
no pool, so a Dask bag's or Spark's partitions can run it (recipes in docs/batch.md).
``run_batch`` spreads a whole stream over worker processes on one machine.
"""

from ._batch import BadRecord, Result, default_workers, evaluate_lines, run_batch

__all__ = ["BadRecord", "Result", "default_workers", "evaluate_lines", "run_batch"]
