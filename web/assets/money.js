// Money arrives as decimal strings ("12.50", "12.5", "12"). Arithmetic is done
// in integer cents with BigInt so no amount ever passes through a float.

const AMOUNT = /^([0-9]{1,12})(?:\.([0-9]{1,2}))?$/;

/** Return the cents of a decimal string as a BigInt; throw for anything else. */
export function toCents(text) {
  const match = AMOUNT.exec(String(text));
  if (!match) {
    throw new RangeError(`${JSON.stringify(text)} is not an amount`);
  }
  const fraction = (match[2] || "").padEnd(2, "0");
  return BigInt(match[1]) * 100n + BigInt(fraction);
}

/** Return BigInt cents as a decimal string with two places: 1250n -> "12.50". */
export function formatCents(cents) {
  const value = BigInt(cents);
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const units = abs / 100n;
  const rest = (abs % 100n).toString().padStart(2, "0");
  return `${sign}${units}.${rest}`;
}

/** Return a decimal string as shown to shoppers, with two places: "12.5" -> "12.50". */
export function normalise(text) {
  return formatCents(toCents(text));
}

/** Return "12.50 EUR" for an amount string and a currency code. */
export function display(amount, currency) {
  const shown = normalise(amount);
  return currency ? `${shown} ${currency}` : shown;
}

/** Return `unit` (a decimal string) times an integer quantity, as BigInt cents. */
export function lineCents(unit, quantity) {
  if (!Number.isInteger(quantity) || quantity < 0) {
    throw new RangeError(`${quantity} is not a quantity`);
  }
  return toCents(unit) * BigInt(quantity);
}

/** Return true when `text` is a valid amount filter for the API (contract Money pattern). */
export function isMoney(text) {
  return /^[0-9]{1,8}(\.[0-9]{1,2})?$/.test(text);
}
