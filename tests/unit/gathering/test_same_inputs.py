"""A pure function's answer for the very same input objects is remembered, and only for them."""

from __future__ import annotations

from failback_operator.gathering.same_inputs import SameInputs


def test_the_same_objects_get_the_remembered_answer_and_new_ones_a_new_answer() -> None:
    calls: list[tuple[object, ...]] = []

    def joined(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        calls.append((a, b))
        return a + b

    remembered = SameInputs(joined, size=2)
    first, second = (1, 2), (3,)

    answer = remembered(first, second)
    assert remembered(first, second) is answer
    assert len(calls) == 1
    # Equal but other objects: the function answers again (identity is what the shared reads keep).
    assert remembered(tuple([1, 2]), second) == answer
    assert len(calls) == 2


def test_only_the_last_sets_of_inputs_are_kept() -> None:
    calls: list[int] = []

    def square(n: object) -> object:
        calls.append(1)
        return n

    remembered = SameInputs(square, size=2)
    a, b, c = object(), object(), object()
    for value in (a, b, c):
        remembered(value)
    remembered(c)
    remembered(b)
    assert len(calls) == 3  # b and c remembered
    remembered(a)
    assert len(calls) == 4  # a was forgotten
