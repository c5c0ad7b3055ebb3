"""GTIN check digits, the in-store EAN-13 ranges (prefixes 20-29) and barcode images (python-barcode)."""

import base64
import io
import secrets
from functools import lru_cache

import barcode
from barcode.writer import SVGWriter

#: Allocation of the GS1 restricted prefixes (20-29) in this application. Each kind of in-store code has its own
#: prefix so that one scan tells a household card from a volunteer badge and from a product.
PREFIX_INSTORE_PRODUCT = "20"  #: products without a manufacturer barcode
PREFIX_WEIGHT_LABEL = "21"  #: variable-measure label: item + weight in grams (GS1 layout with verifier digit)
PREFIX_PRICE_LABEL = "22"  #: variable-measure label: item + price in cents (GS1 layout with verifier digit)
PREFIX_HOUSEHOLD_CARD = "25"  #: household cards
PREFIX_VOLUNTEER_BADGE = "26"  #: volunteer badges

CODE_KINDS = {
    PREFIX_INSTORE_PRODUCT: "instore_product",
    PREFIX_WEIGHT_LABEL: "weight_label",
    PREFIX_PRICE_LABEL: "price_label",
    PREFIX_HOUSEHOLD_CARD: "household_card",
    PREFIX_VOLUNTEER_BADGE: "volunteer_badge",
}


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for the digits before it (EAN-8, UPC-A, EAN-13 alike)."""
    if not (body.isascii() and body.isdigit()):
        raise ValueError("digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def is_valid_gtin(code: str) -> bool:
    """True for an EAN-8, UPC-A (12) or EAN-13 code whose check digit is right."""
    return (
        isinstance(code, str) and code.isascii() and code.isdigit() and len(code) in (8, 12, 13)
        and gtin_check_digit(code[:-1]) == code[-1]
    )


def normalise_gtin(code: str) -> str:
    """UPC-A (12 digits) is stored in its EAN-13 form (a leading zero); other codes are kept as they are."""
    code = code.strip()
    return "0" + code if len(code) == 12 else code


def code_kind(code: str) -> str | None:
    """What an EAN-13 scan is: one of CODE_KINDS' values, "product" for any other valid GTIN, or None if invalid."""
    if not is_valid_gtin(code):
        return None
    if len(code) == 13:
        return CODE_KINDS.get(code[:2], "product" if not code.startswith("2") else "restricted")
    return "product"


def make_ean13(prefix: str, number: int) -> str:
    """An EAN-13 code: the 2-digit prefix, `number` on 10 digits, the check digit."""
    if len(prefix) != 2 or not prefix.isdigit():
        raise ValueError("a 2-digit prefix")
    if not 0 <= number < 10**10:
        raise ValueError("number out of range")
    body = f"{prefix}{number:010d}"
    return body + gtin_check_digit(body)


def random_ean13(prefix: str) -> str:
    """A random EAN-13 code in a restricted range (not derived from any reference); callers check uniqueness."""
    return make_ean13(prefix, secrets.randbelow(10**10))


@lru_cache(maxsize=2048)
def barcode_svg(code: str, *, text: bool = True, module_height: float = 12.0) -> str:
    """The barcode of an EAN-13, EAN-8 or UPC-A code as SVG markup (python-barcode)."""
    kind = {13: "ean13", 8: "ean8", 12: "upca"}[len(code)]
    symbol = barcode.get(kind, code[:-1], writer=SVGWriter())
    buffer = io.BytesIO()
    symbol.write(buffer, options={"module_height": module_height, "font_size": 8 if text else 0,
                                  "text_distance": 3, "quiet_zone": 3, "write_text": text, "compress": False})
    return buffer.getvalue().decode()


def barcode_data_uri(code: str, *, text: bool = True) -> str:
    """The SVG barcode as a data: URI for an <img> (keeps the page's Content-Security-Policy strict)."""
    svg = barcode_svg(code, text=text)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
