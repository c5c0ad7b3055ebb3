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
