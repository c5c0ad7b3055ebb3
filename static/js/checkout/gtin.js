// GTIN check digits (EAN-13, EAN-8, UPC-A), as grocery/barcodes.py computes them.
export function gtinCheckDigit(body) {
  let total = 0;
  const digits = body.split("").reverse();
  digits.forEach((d, i) => { total += Number(d) * (i % 2 === 0 ? 3 : 1); });
  return String((10 - (total % 10)) % 10);
}

export function gtinIsValid(code) {
  return /^\d+$/.test(code) && [8, 12, 13].includes(code.length) && gtinCheckDigit(code.slice(0, -1)) === code.slice(-1);
}

// GS1 price/weight verifier digit of the 4-digit field of a variable-measure label, as grocery/stock/labels.py:
// weighting factors 2-, 2-, 3, 5- (products looked up in GS1's tables), sum times 3, units digit. 2875 -> 9.
const WEIGHT_2_MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const WEIGHT_3 = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const WEIGHT_5_MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
const FOUR_DIGIT_FACTORS = [WEIGHT_2_MINUS, WEIGHT_2_MINUS, WEIGHT_3, WEIGHT_5_MINUS];

export function priceVerifierDigit(value) {
  if (!/^\d{4}$/.test(value)) throw new Error("a 4-digit value");
  let total = 0;
  FOUR_DIGIT_FACTORS.forEach((table, i) => { total += table[Number(value[i])]; });
  return String((total * 3) % 10);
}

/** A weight/price label (13 digits: prefix, item 5, verifier 1, value 4, check 1): {itemRef, value} or null when its
 * check digit or its verifier digit is wrong. */
export function decodeMeasureLabel(code) {
  if (code.length !== 13 || !gtinIsValid(code)) return null;
  const value = code.slice(8, 12);
  if (priceVerifierDigit(value) !== code[7]) return null;
  return { itemRef: Number(code.slice(2, 7)), value: Number(value) };
}
