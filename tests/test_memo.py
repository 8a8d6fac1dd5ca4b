"""memo.Memo: made once a key, looked up after, bounded."""

from __future__ import annotations

from sheetkit.memo import Memo


def test_a_memo_makes_each_value_once_and_keeps_at_most_its_limit():
    made: list[int] = []

    def square(key: int) -> int:
        made.append(key)
        return key * key

    memo = Memo(square, 3)
    assert [memo[k] for k in (2, 3, 2, 4, 3)] == [4, 9, 4, 16, 9]
    assert made == [2, 3, 4]                       # each key made once
    assert memo[5] == 25 and len(memo) == 1       # full: emptied, then filled again
    for key in range(1000):                       # keys without end: never more than 3
        assert memo[key] == key * key and len(memo) <= 3


def test_a_memo_of_limit_zero_makes_every_value_anew():
    made: list[int] = []
    memo = Memo(lambda key: made.append(key) or key, 0)
    assert [memo[k] for k in (1, 1, 2)] == [1, 1, 2] and made == [1, 1, 2] and not memo
