"""Product imports: the accepted columns, the row checks (through the stock domain's rules) and the bulk writing."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.i18n import sort_key
from grocery.imports.bulk import audit_rows, chunks, ids_by, insert_rows, record_events
from grocery.imports.columns import (
    Column,
    ColumnMap,
    Item,
    Plan,
    Present,
    Progress,
    RowError,
    concurrent_change,
    line_refused,
)
from grocery.imports.parsing import CellError, Table, as_money_text, as_text, as_whole, choice, fold_header, shown
from grocery.money import parse_money
from grocery.stock import services as stock
from grocery.stock.models import Product, ProductBarcode
from grocery.timeutil import utcnow

COLUMNS = (
    Column("name", _l("Name"), required=True,
           fr=("nom", "produit", "désignation", "libellé"),
           nl=("naam", "product", "omschrijving", "benaming", "productnaam"),
           en=("name", "product")),
    Column("category", _l("Category"), required=True,
           fr=("catégorie", "rayon"), nl=("categorie", "afdeling"), en=("category",),
           help=_l("One of the categories of the stock (Stock → Categories), written the same way.")),
    Column("unit_kind", _l("Sold by (column)"),
           fr=("unité", "vendu par"), nl=("eenheid", "verkocht per"), en=("unit", "sold by"),
           help=_l("pièce, kg or litre; empty: pièce.")),
    Column("net_weight_g", _l("Net weight (g)"),
           fr=("poids net (g)", "poids net", "poids (g)", "poids"),
           nl=("nettogewicht (g)", "nettogewicht", "gewicht (g)", "gewicht"),
           en=("net weight (g)", "net weight", "weight"),
           help=_l("Weight of one piece in grams, for example 500.")),
    Column("retail_price_cents", _l("Retail price"),
           fr=("prix de référence", "valeur de référence", "prix public", "prix"),
           nl=("referentieprijs", "referentiewaarde", "winkelprijs", "publieksprijs", "prijs"),
           en=("retail price", "price"),
           help=_l("Shop price in euros, for example 2,49; empty: 0.")),
    Column("barcode", _l("Barcode"),
           fr=("code-barres", "code barre", "code ean", "ean", "gtin"),
           nl=("streepjescode", "barcode", "ean-code", "ean", "gtin"),
           en=("barcode", "ean", "gtin"),
           help=_l("8, 12 or 13 digits with their check digit.")),
    Column("social_price_cents", _l("Social price"),
           fr=("prix social",), nl=("sociale prijs",), en=("social price",),
           help=_l("A fixed social price in euros; empty: the category's percentage.")),
    Column("social_percent", _l("Social price (percentage of retail)"),
           fr=("pourcentage social", "prix social en %"), nl=("sociaal percentage", "sociale prijs in %"),
           en=("social percent",),
           help=_l("Instead of a fixed social price: a percentage of the retail price (0 to 100).")),
    Column("quota_quantity", _l("Quota"),
           fr=("quota",), nl=("quotum", "quota"), en=("quota", "quota quantity"),
           help=_l("At most this many pieces (grams, millilitres) per period; empty: no quota.")),
    Column("quota_scope", _l("Quota applies (column)"),
           fr=("quota par",), nl=("quotum per", "quota per"), en=("quota scope",),
           help=_l("ménage, adulte, enfant or enfant de moins de 3 ans; empty: ménage.")),
    Column("quota_period", _l("Quota period"),
           fr=("période du quota", "quota période"), nl=("periode van het quotum", "quotumperiode"),
           en=("quota period",),
           help=_l("semaine or mois; empty: semaine.")),
    Column("low_stock_threshold", _l("Low-stock threshold"),
           fr=("seuil de stock bas", "stock minimum"), nl=("drempel lage voorraad", "minimumvoorraad"),
           en=("low stock threshold",),
           help=_l("Below this quantity the product is listed as low stock; empty: 0.")),
)

UNIT_WORDS = {"piece": "piece", "pieces": "piece", "pc": "piece", "pcs": "piece", "p": "piece", "unite": "piece",
              "unit": "piece", "kg": "kg", "kilo": "kg", "kilogramme": "kg", "kilogram": "kg", "poids": "kg",
              "l": "litre", "litre": "litre", "litres": "litre", "liter": "litre", "lt": "litre",
              # Dutch
              "stuk": "piece", "stuks": "piece", "per stuk": "piece", "st": "piece", "eenheid": "piece",
              "gewicht": "kg", "per kg": "kg", "liters": "litre", "per liter": "litre"}
SCOPE_WORDS = {"menage": "household", "household": "household", "par menage": "household",
               "adulte": "per_adult", "par adulte": "per_adult", "per adult": "per_adult", "adult": "per_adult",
               "enfant": "per_child", "par enfant": "per_child", "per child": "per_child", "child": "per_child",
               "enfant de moins de 3 ans": "per_child_under_3", "enfant 3 ans": "per_child_under_3",
               "enfant de moins de 3": "per_child_under_3", "per child under 3": "per_child_under_3",
               "moins de 3 ans": "per_child_under_3",
               # Dutch
               "huishouden": "household", "per huishouden": "household", "gezin": "household",
               "per gezin": "household", "volwassene": "per_adult", "per volwassene": "per_adult",
               "kind": "per_child", "per kind": "per_child", "kind onder 3 jaar": "per_child_under_3",
               "per kind onder 3 jaar": "per_child_under_3", "kind jonger dan 3 jaar": "per_child_under_3",
               "jonger dan 3 jaar": "per_child_under_3", "onder 3 jaar": "per_child_under_3"}
PERIOD_WORDS = {"semaine": "week", "par semaine": "week", "week": "week", "mois": "month", "par mois": "month",
                "month": "month",
                # Dutch
                "per week": "week", "maand": "month", "per maand": "month"}
#: Service field names that are not file columns, mapped to the column that carries them.
_FIELD_COLUMN = {"price_rule": "social_price_cents"}


def _name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).lower()


def analyse(table: Table, columns: ColumnMap, progress: Progress = None) -> Plan:
    """Check every row against the catalogue rules without writing. A row whose barcode (or, without barcode,
    whose exact name) is already in the catalogue is "already present" and skipped; it is never updated."""
    plan = Plan("products", table, lines_read=len(table.rows))
    categories = {fold_header(c.name): c for c in stock.ensure_default_categories() if c.is_active}
    category_list = ", ".join(sorted((c.name for c in categories.values()), key=sort_key))
    known_codes = dict(db.session.execute(select(ProductBarcode.code, Product.name).join(ProductBarcode.product)).all())
    named = {}
    for product_id, name in db.session.execute(select(Product.id, Product.name).order_by(Product.id)):
        named.setdefault(_name_key(name), (product_id, name))
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for line, cells in table.rows:
        errors: list[RowError] = []

        def fail(key: str, message, line=line, errors=errors) -> None:
            errors.append(RowError(line, columns.title(key) or columns.title("name"), str(message)))

        if line in table.overlong:
            errors.append(RowError(line, "", _("This line has %(cells)d cells but the first line only %(titles)d "
                                                "titles: check the separator and the quotes.",
                                                cells=table.overlong[line], titles=len(table.headers))))
        values, code = _read_row(cells, columns, categories, category_list, fail)
        cleaned = {}
        if not errors:
            try:
                cleaned = stock.clean_product_values(values)
                code = stock.validate_barcode(code) if code else None
            except ValidationError as error:
                fail(_FIELD_COLUMN.get(error.field or "", error.field or "name"), error.message)
        if not errors:
            name = values["name"]
            if code and code in seen_codes:
                fail("barcode", _("The barcode %(code)s is already on line %(line)d.", code=code,
                                  line=seen_codes[code]))
            elif not code and _name_key(name) in seen_names:
                fail("name", _("The product “%(name)s” is already on line %(line)d; give it a barcode if it is "
                               "another product.", name=name, line=seen_names[_name_key(name)]))
            elif code and code in known_codes:
                plan.present.append(Present((line,), name, _("barcode %(code)s already used by “%(name)s”",
                                                                code=code, name=known_codes[code])))
            elif not code and _name_key(name) in named:
                plan.present.append(Present((line,), name, _("a product named “%(name)s” exists",
                                                                name=named[_name_key(name)][1])))
            else:
                plan.items.append(Item((line,), name, {**values, "barcode": code, "cleaned": cleaned}))
            if code:
                seen_codes.setdefault(code, line)
            else:
                seen_names.setdefault(_name_key(name), line)
        plan.errors.extend(errors)
        if progress:
            progress(1)
    return plan


def _read_row(cells, columns: ColumnMap, categories, category_list, fail) -> tuple[dict, str | None]:
    def get(key):
        return columns.cell(cells, key)

    values: dict = {"name": as_text(get("name"))}
    if not values["name"]:
        fail("name", _l("Type the product name."))
    category_text = as_text(get("category"))
    values["category"] = categories.get(fold_header(category_text))
    if not category_text:
        fail("category", _l("Type the category, one of: %(list)s.", list=category_list))
    elif values["category"] is None:
        fail("category", _l("Unknown category “%(value)s”. Use one of: %(list)s (or create it first on the "
                            "categories page).", value=shown(category_text), list=category_list))
    unit = get("unit_kind")
    values["unit_kind"] = choice(unit, UNIT_WORDS) if unit is not None else "piece"
    if values["unit_kind"] is None:
        fail("unit_kind", _l("Unknown unit “%(value)s”: write pièce, kg or litre.", value=shown(as_text(unit))))
    for key in ("net_weight_g", "quota_quantity", "low_stock_threshold", "social_percent"):
        try:
            values[key] = as_whole(get(key))
        except CellError as error:
            fail(key, error.message)
            values[key] = None
    values["low_stock_threshold"] = values["low_stock_threshold"] or 0
    for key in ("retail_price_cents", "social_price_cents"):
        text = as_money_text(get(key))
        try:
            values[key] = parse_money(text, field=key) if text else None
        except ValidationError as error:
            fail(key, error.message)
    values["retail_price_cents"] = values.get("retail_price_cents") or 0
    if values.get("social_price_cents") is not None and values.get("social_percent") is not None:
        fail("social_percent", _l("Give either a social price or a percentage of the retail price, not both."))
    values["price_rule"] = ("fixed" if values.get("social_price_cents") is not None
                            else "percent" if values.get("social_percent") is not None else "category")
    scope, period = get("quota_scope"), get("quota_period")
    values["quota_scope"] = choice(scope, SCOPE_WORDS) if scope is not None else "household"
    values["quota_period"] = choice(period, PERIOD_WORDS) if period is not None else "week"
    if values["quota_scope"] is None:
        fail("quota_scope", _l("Unknown quota scope “%(value)s”: write ménage, adulte, enfant or enfant de moins "
                               "de 3 ans.", value=shown(as_text(scope))))
    if values["quota_period"] is None:
        fail("quota_period", _l("Unknown quota period “%(value)s”: write semaine or mois.",
                                value=shown(as_text(period))))
    code = as_text(get("barcode")) or None
    return values, code


def write_all(actor, items: list[Item], progress: Progress = None) -> int:
    """Create the products of the plan in bulk, as stock.create_product creates them: the values the plan checked
    with the catalogue rules (stock.clean_product_values, stock.validate_barcode), each barcode checked once more
    against the catalogue (one query per chunk of codes; a barcode taken meanwhile refuses the import naming its
    line), and one audit event per product. Returns the products created."""
    rows = [item.values["cleaned"] for item in items]
    codes = {item.values["barcode"]: item for item in items if item.values.get("barcode")}
    for part in chunks(codes):
        used = db.session.execute(select(ProductBarcode.code, Product.name).join(ProductBarcode.product)
                                  .where(ProductBarcode.code.in_(part))).first()
        if used is not None:
            raise line_refused(codes[used.code], _("The barcode %(code)s is already used by “%(name)s”.",
                                                   code=used.code, name=used.name))
    # The products of this import are read back by their creation time, the same for all of them, after the
    # largest id before it: in the order written, whatever another person creates meanwhile.
    stamp, before = utcnow(), db.session.scalar(select(func.max(Product.id))) or 0
    insert_rows(Product, [{**row, "created_at": stamp} for row in rows], progress=progress,
                lines_per_row=[1] * len(rows))
    ids = ids_by(Product.created_at, [stamp], where=Product.id > before).get(stamp, [])
    if len(ids) != len(rows):  # pragma: no cover - two imports in the same microsecond
        raise concurrent_change()
    barcodes = [{"product_id": product_id, "code": item.values["barcode"],
                 "is_instore": item.values["barcode"].startswith("20")}
                for product_id, item in zip(ids, items, strict=True) if item.values.get("barcode")]
    insert_rows(ProductBarcode, barcodes, progress=progress)
    record_events(audit_rows(actor, Product.__tablename__, (
        (product_id, "stock.product_create", {"name": row["name"], "barcode": item.values.get("barcode")})
        for product_id, row, item in zip(ids, rows, items, strict=True))), progress)
    return len(ids)


def describe(item: Item) -> list[str]:
    """Cells of the "to be created" table of the preview."""
    values = item.values
    return [values["name"], values["category"].name, values.get("barcode") or "—"]
