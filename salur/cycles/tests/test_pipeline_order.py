"""The pipeline skips the sort of a frame that is in key order already; the result is always the sorted frame."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from salur.cycles.batch.pipeline import _sorted


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=0, max_size=40), st.booleans())
def test_sorted_equals_a_full_sort(pairs, presort):
    frame = pl.DataFrame(
        {"a": [p[0] for p in pairs], "b": [p[1] for p in pairs], "c": list(range(len(pairs)))},
        schema={"a": pl.Int64, "b": pl.Int64, "c": pl.Int64},
    )
    if presort:
        frame = frame.sort(["a", "b", "c"])
    assert _sorted(frame, ("a", "b", "c")).equals(frame.sort(["a", "b", "c"]))
