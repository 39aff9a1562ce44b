from __future__ import annotations

import pytest
from muninn_shared.problems import ProblemError, invalid_field, or_not_found


def test_a_value_is_returned_and_none_is_a_404_naming_what_was_looked_for() -> None:
    assert or_not_found(0, "Thing") == 0
    with pytest.raises(ProblemError) as raised:
        or_not_found(None, "Thing")
    assert (raised.value.status, raised.value.detail, raised.value.code) == (
        404,
        "Thing not found",
        "not-found",
    )


def test_an_invalid_field_is_a_422_shaped_like_fastapis_validation_errors() -> None:
    problem = invalid_field("end must be after start.", loc=("body", "end"), msg="too soon")
    assert (problem.status, problem.detail, problem.code) == (
        422,
        "end must be after start.",
        "validation-error",
    )
    assert problem.errors == [{"loc": ["body", "end"], "msg": "too soon", "type": "value_error"}]
    assert invalid_field("x", loc=("query", "end"), msg="m", code="invalid-range").code == (
        "invalid-range"
    )
