"""Money as exact decimals at the edges and integer cents inside."""

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX = Decimal(10) ** 12


def to_cents(text: str) -> int:
    """Return `text` ("12.5", "12.50") in cents; raise ValueError for anything else."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    if not value.is_finite() or not 0 <= value < MAX or value != value.quantize(CENT):
        raise ValueError(f"{text!r} is not an amount below {MAX} with at most two decimals")
    return int(value * 100)


def format_cents(cents: int) -> str:
    """Return cents as a decimal string with two places: 1250 -> "12.50"."""
    return str((Decimal(cents) / 100).quantize(CENT))
