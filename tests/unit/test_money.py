import pytest

from shop.money import format_cents, to_cents


@pytest.mark.parametrize(
    ("text", "cents"), [("0", 0), ("12.5", 1250), ("12.50", 1250), ("0.01", 1)]
)
def test_amounts_become_exact_cents(text, cents):
    assert to_cents(text) == cents


@pytest.mark.parametrize("text", ["1.001", "-1", "NaN", "Infinity", "1e400", "abc", ""])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        to_cents(text)


def test_cents_print_with_two_places():
    assert format_cents(1250) == "12.50"
    assert format_cents(7) == "0.07"
    assert format_cents(99999999999) == "999999999.99"
