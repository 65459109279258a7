"""Assertions shared by the tests."""

import carbonsim


def check_schema(df, name: str) -> None:
    """`df` has exactly the documented columns, in order, with the documented dtypes."""
    cols = carbonsim.SCHEMAS[name]
    assert list(df.columns) == [c.name for c in cols], name
    for c in cols:
        assert str(df[c.name].dtype) == c.dtype, f"{name}.{c.name}: {df[c.name].dtype} != {c.dtype}"
