"""Amounts at their limits: the largest price, the smallest, and what is not an amount."""

import pytest

from shop.money import format_cents, to_cents


def test_the_largest_amount_is_one_cent_below_a_trillion():
    assert to_cents("999999999999.99") == 99999999999999
    with pytest.raises(ValueError) as caught:
        to_cents("1000000000000")
    assert str(caught.value) == (
        "'1000000000000' is not an amount below 1000000000000 with at most two decimals"
    )


def test_zero_is_an_amount_and_a_negative_one_is_not():
    assert to_cents("0") == 0 and to_cents("0.00") == 0
    with pytest.raises(ValueError, match="'-0.01' is not an amount below"):
        to_cents("-0.01")


def test_text_that_is_no_number_says_so():
    with pytest.raises(ValueError) as caught:
        to_cents("twelve")
    assert str(caught.value) == "'twelve' is not an amount"
    with pytest.raises(ValueError, match="^None is not an amount$"):
        to_cents(None)


def test_cents_format_with_two_places():
    assert [format_cents(c) for c in (0, 1, 10, 1250, 99999999999999)] == [
        "0.00",
        "0.01",
        "0.10",
        "12.50",
        "999999999999.99",
    ]
