"""Validation and normalization of source columns: pure, vectorized, no Django.

Every normalizer takes the raw column (a Polars String series, nulls for empty cells) and the
options of the field in the source definition, and returns a `Checked`: the normalized values, a
Chinese reason for every rejected value, and a note (flag) for values kept with a remark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl


@dataclass
class Checked:
    value: pl.Series  # normalized value; null where empty or rejected
    error: pl.Series  # String: why the value is rejected (Chinese), else null
    flag: pl.Series  # String: a remark kept with the value (Chinese), else null
    # where a value fails but is still worth keeping as written (on_error = "keep"): that value,
    # e.g. an ID number whose check digit is wrong; null elsewhere. None: nothing is.
    kept: pl.Series | None = None


Normalizer = Callable[[pl.Series, dict], Checked]
