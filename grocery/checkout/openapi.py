"""The till API described in OpenAPI 3 (GET /api/till/openapi.json): what it accepts and every answer it gives."""

from __future__ import annotations

import copy

from flask import Blueprint, jsonify

from grocery.auth.roles import MANAGERS, Role, roles_required

bp = Blueprint("till_openapi", __name__, url_prefix="/api/till")
TILL_ROLES = {Role.CASHIER, *MANAGERS}

#: Largest id or quantity a client may send: one any INTEGER column holds (the services refuse more anyway).
INT32_MAX = 2**31 - 1

_INTEGER = {"type": "integer"}
#: The fields of a card's till summary, shared by the card lookup (Household) and the offline snapshot (SnapshotCard).
_SUMMARY_FIELDS = {
    "card_code": {"type": "string"},
    "display_name": {"type": ["string", "null"]},
    "eligible": {"type": "boolean"},
    "reason": {"type": ["string", "null"]},
    "valid_until": {"type": ["string", "null"], "format": "date"},
    "budget_left_cents": {"type": ["integer", "null"]},
    "proxies": {"type": "array", "description": "The proxy mandates valid today: the cashier picks who shops.",
                "items": {"type": "object", "required": ["id", "name", "document"], "additionalProperties": False,
                          "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                         "document": {"type": "string",
                                                      "description": "The identity document to check."}}}},
    "renewal_warning": {"type": ["string", "null"],
                        "description": "During the last days of the access: 'Access valid until 12/12: think of "
                                       "the renewal.' (the date only)."},
}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_CENTS = {"type": "integer", "description": "An amount in euro cents."}
_NULLABLE_CENTS = {"type": ["integer", "null"], "description": "An amount in euro cents."}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {"$ref": f"#/components/responses/{description}"}


SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object",
        "description": "Every refusal: a machine-readable code and a translated message saying what to do next.",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "examples": ["unknown_card", "over_budget", "invalid", "bad_input"]},
            "message": {"type": "string"},
            "field": {"type": "string", "description": "The request field at fault, when there is one."},
        },
    },
    "Line": {
        "type": "object",
        "required": ["product_id", "quantity"],
        "properties": {
            "product_id": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
            "quantity": {"type": "integer", "minimum": 1, "maximum": INT32_MAX,
                         "description": "Pieces, or grams / millilitres for products sold by weight or volume."},
        },
    },
    "Cart": {
        "type": "object",
        "required": ["household_card", "lines"],
        "properties": {
            "household_card": {"type": "string", "minLength": 1, "description": "The 13 digits of the card."},
            "lines": {"type": "array", "minItems": 1, "items": _ref("Line")},
        },
    },
    "Payment": {
        "type": "object",
        "required": ["method"],
        "properties": {
            "method": {"type": "string", "enum": ["cash", "card", "free"]},
            "tendered_cents": {"type": "integer", "minimum": 0, "maximum": INT32_MAX},
        },
    },
    "SaleRequest": {
        "allOf": [_ref("Cart"), {
            "type": "object",
            "required": ["uuid", "payment"],
            "properties": {
                "uuid": {"type": "string", "format": "uuid",
                         "description": "Chosen by the till; sending the same uuid again returns the same sale."},
                "payment": _ref("Payment"),
                "client_created_at": {"type": "string", "format": "date-time",
                                      "description": "When the tablet took the sale (kept for offline sales)."},
                "offline": {"type": "boolean", "description": (
                    "Made while the till had no network (needs client_created_at and total_cents). Counted only "
                    "when the server saw the till silent at that time; the sale is then recorded even if a check "
                    "now fails, and flagged for review. Otherwise the sale is handled as online.")},
                "total_cents": {**_CENTS, "description": "Offline sale: the total the cashier charged (what was "
                                                         "paid); lines may carry their price_cents, adding up to it."},
                "proxy": {"type": ["object", "null"], "required": ["mandate_id"],
                          "description": "Who shopped when not the household itself: a mandate valid on the sale's "
                                         "day, the identity checked (an online sale is refused otherwise; an "
                                         "offline one is kept and flagged).",
                          "properties": {"mandate_id": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                                         "identity_checked": {"type": "boolean"},
                                         "identity_note": {"type": "string", "maxLength": 120}}},
            },
        }],
    },
    "LookupRequest": {
        "type": "object",
        "required": ["last_name", "birth_date"],
        "properties": {"last_name": {"type": "string", "minLength": 1},
                       "birth_date": {"type": "string", "format": "date"}},
    },
    "Household": {
        "type": "object",
        "description": "What a cashier may see of a household, and nothing more: never social data (no household "
                       "id, composition, granted budget, income, address, notes or motive).",
        "required": ["card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents",
                     "proxies"],
        "additionalProperties": False,
        "properties": {
            **_SUMMARY_FIELDS,
            "quotas": {"type": "array", "items": {
                "type": "object", "required": ["name", "limit", "left", "left_label"], "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "limit": _INTEGER, "left": _INTEGER,
                               "left_label": {"type": "string"}}}},
            "appointment": {"type": ["object", "null"],
                            "description": "The household's appointment of today at the till's site (marked arrived "
                                           "by this lookup); null for a walk-in, served the same.",
                            "required": ["id", "time", "arrived"], "additionalProperties": False,
                            "properties": {"id": _INTEGER, "time": {"type": "string"},
                                           "arrived": {"type": "boolean"}}},
        },
    },
    "QuotaRule": {
        "type": "object",
        "description": "A quota rule in force: on one product (its base units), or on a category (the pieces of its "
                       "products sold by the piece, all together).",
        "required": ["kind", "id", "name", "unit", "period"],
        "additionalProperties": False,
        "properties": {"kind": {"type": "string", "enum": ["product", "category"]}, "id": _INTEGER,
                       "name": {"type": "string"}, "unit": {"type": "string"},
                       "period": {"type": "string", "enum": ["week", "month"]}},
    },
    "SnapshotCard": {
        "type": "object",
        "description": "A card of the snapshot: the till summary (Household) and, on each quota, the rule it is and "
                       "what the household took in its period; never social data.",
        "required": ["card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents",
                     "proxies", "quotas", "renewal_warning"],
        "additionalProperties": False,
        "properties": {
            **_SUMMARY_FIELDS,
            "quotas": {"type": "array", "items": {
                "type": "object",
                "required": ["kind", "id", "name", "unit", "period", "limit", "used", "left", "left_label"],
                "additionalProperties": False,
                "properties": {"kind": {"type": "string", "enum": ["product", "category"]}, "id": _INTEGER,
                               "name": {"type": "string"}, "unit": {"type": "string"},
                               "period": {"type": "string", "enum": ["week", "month"]},
                               "limit": _INTEGER, "used": _INTEGER, "left": _INTEGER,
                               "left_label": {"type": "string"}}}},
        },
    },
    "CardsSnapshot": {
        "type": "object",
        "description": "The cards valid today, each with the till summary and what the till needs to apply the "
                       "quota rules offline, nothing more; erase it at close.",
        "required": ["day", "expires_at", "quota_rules", "quota_periods", "cards"],
        "additionalProperties": False,
        "properties": {
            "day": {"type": "string", "format": "date"},
            "expires_at": {"type": "string", "format": "date-time",
                           "description": "The end of the local day: the snapshot is no longer valid after it."},
            "quota_rules": {"type": "array", "items": _ref("QuotaRule"),
                            "description": "Every rule in force: one missing from a card's quotas is scaled to 0 by "
                                           "the household's composition (it may take none)."},
            "quota_periods": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["start", "end"], "additionalProperties": False,
                "properties": {"start": {"type": "string", "format": "date"},
                               "end": {"type": "string", "format": "date"}}}},
            "cards": {"type": "array", "items": _ref("SnapshotCard")},
        },
    },
    "Appointments": {
        "type": "object",
        "description": "Today's appointments of the till's site in slot order: time, the greeting name, arrived.",
        "required": ["day", "appointments"],
        "additionalProperties": False,
        "properties": {
            "day": {"type": "string", "format": "date"},
            "appointments": {"type": "array", "items": {
                "type": "object", "required": ["id", "time", "name", "arrived"], "additionalProperties": False,
                "properties": {"id": _INTEGER, "time": {"type": "string"}, "name": {"type": "string"},
                               "arrived": {"type": "boolean"}}}},
        },
    },
    "Quote": {
        "type": "object",
        "required": ["lines", "total_cents", "retail_cents", "savings_cents", "violations"],
        "properties": {
            "lines": {"type": "array", "items": {
                "type": "object", "required": ["product_id", "name", "quantity", "price_cents"],
                "properties": {"product_id": _INTEGER, "name": {"type": "string"}, "quantity": _INTEGER,
                               "price_cents": _CENTS, "retail_cents": _CENTS}}},
            "total_cents": _CENTS,
            "retail_cents": _CENTS,
            "savings_cents": _CENTS,
            "budget_left_cents": _NULLABLE_CENTS,
            "budget_after_cents": _NULLABLE_CENTS,
            "violations": {"type": "array", "items": {"type": "object"},
                           "description": "Quotas or budget this cart would break; the sale would be refused."},
        },
    },
    "Sale": {
        "type": "object",
        "required": ["id", "uuid", "status", "total_cents", "paid_cents", "lines", "receipt_url"],
        "properties": {
            "id": _INTEGER,
            "uuid": {"type": "string"},
            "status": {"type": "string", "enum": ["completed", "voided"]},
            "total_cents": _CENTS,
            "paid_cents": _CENTS,
            "retail_cents": _CENTS,
            "savings_cents": _CENTS,
            "payment_method": {"type": "string", "enum": ["cash", "card", "free"]},
            "tendered_cents": _NULLABLE_CENTS,
            "change_cents": _NULLABLE_CENTS,
            "budget_left_cents": _NULLABLE_CENTS,
            "offline": {"type": "boolean", "description": "Recorded as an offline sale."},
            "review_status": {"type": ["string", "null"], "enum": ["pending", "reviewed", None],
                              "description": "pending: an offline sale that failed a check, listed for review."},
            "lines": {"type": "array", "items": {"type": "object"}},
            "receipt_url": {"type": "string"},
        },
    },
    "Catalogue": {
        "type": "object",
        "description": "Products as rows whose columns `fields` names, barcodes as [code, product id] pairs, "
                       "categories.",
        "required": ["day", "fields", "products", "barcodes", "categories", "prefixes"],
        "properties": {
            "day": {"type": "string", "format": "date"},
            "fields": {"type": "array", "items": {"type": "string"}},
            "products": {"type": "array", "items": {"type": "array"}},
            "barcodes": {"type": "array", "description": "[code, product id] pairs",
                         "items": {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 2,
                                   "maxItems": 2}},
            "categories": {"type": "array", "items": {"type": "array"}},
            "prefixes": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}

RESPONSES: dict[str, dict] = {
    "BadRequest": _json(_ref("Problem"), "Malformed request, a value out of range, a NUL character, an expired "
                                         "CSRF token (`csrf`), JSON nested too deeply (`bad_input`)."),
    "Unauthenticated": _json(_ref("Problem"), "Not logged in (`unauthenticated`)."),
    "Forbidden": _json(_ref("Problem"), "Not a till role, or the household may not shop (`not_eligible`, "
                                        "`card_replaced`)."),
    "NotFound": _json(_ref("Problem"), "Unknown card or product (`unknown_card`, `unknown_product`)."),
    "Conflict": _json(_ref("Problem"), "A business rule refuses it (`over_budget`, `quota_exceeded`, "
                                       "`insufficient_stock`, `conflict`)."),
    "TooLarge": _json(_ref("Problem"), "The request body is too large."),
    "Invalid": _json(_ref("Problem"), "A field is missing or wrong (`invalid`, with `field`)."),
}

_REFUSALS = {"400": _problem("BadRequest"), "401": _problem("Unauthenticated"), "403": _problem("Forbidden"),
             "404": _problem("NotFound"), "409": _problem("Conflict"), "413": _problem("TooLarge"),
             "422": _problem("Invalid")}
_CSRF = [{"session": [], "csrf": []}]


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


PATHS: dict[str, dict] = {
    "/api/till/catalogue": {"get": {
        "operationId": "catalogue",
        "summary": "Everything the till needs to look codes up offline (gzip when accepted).",
        "responses": {"200": _json(_ref("Catalogue"), "The catalogue of today."),
                      **{code: _REFUSALS[code] for code in ("400", "401", "403")}},
    }},
    "/api/till/cards-snapshot": {"get": {
        "operationId": "cards_snapshot",
        "summary": "The cards valid today, for card checks while offline (holder of an open till; no-store).",
        "responses": {"200": _json(_ref("CardsSnapshot"), "The cards valid today, until expires_at."),
                      **{code: _REFUSALS[code] for code in ("400", "401", "403", "409")}},
    }},
    "/api/till/appointments": {"get": {
        "operationId": "appointments",
        "summary": "Today's appointments of this till's site (holder of an open till; no-store).",
        "responses": {"200": _json(_ref("Appointments"), "Today's appointments, in order."),
                      **{code: _REFUSALS[code] for code in ("400", "401", "403", "409")}},
    }},
    "/api/till/households/{card_code}": {"get": {
        "operationId": "household",
        "summary": "The household of a scanned card: eligibility, budget left, quotas.",
        "parameters": [{"name": "card_code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json(_ref("Household"), "The household may shop."),
                      **{code: _REFUSALS[code] for code in ("400", "401", "403", "404")}},
    }},
    "/api/till/households/lookup": {"post": {
        "operationId": "household_lookup",
        "summary": "A forgotten card: find the household by last name and birth date (exactly one match).",
        "security": _CSRF,
        "requestBody": _body("LookupRequest"),
        "responses": {"200": _json(_ref("Household"), "The one household that matches."),
                      **{code: _REFUSALS[code] for code in ("400", "401", "403", "404", "413", "422")}},
    }},
    "/api/till/quote": {"post": {
        "operationId": "quote",
        "summary": "Price a cart for a household (FEFO lots, social prices, quotas, budget) without selling.",
        "security": _CSRF,
        "requestBody": _body("Cart"),
        "responses": {"200": _json(_ref("Quote"), "The priced cart."), **_REFUSALS},
    }},
    "/api/till/sales": {"post": {
        "operationId": "create_sale",
        "summary": "Record a sale in the till session this browser works in; idempotent by uuid.",
        "security": _CSRF,
        "requestBody": _body("SaleRequest"),
        "responses": {"201": _json(_ref("Sale"), "The sale is recorded."),
                      "200": _json(_ref("Sale"), "This uuid was already recorded: the same sale (a replay)."),
                      **_REFUSALS},
    }},
}

DOCUMENT: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "grocery till API",
        "version": "1",
        "description": "The JSON API of the checkout tablet. Log in first (session cookie); requests that change "
                       "something carry the page's CSRF token in the X-CSRFToken header. Refusals are "
                       "{\"error\", \"message\"} problem bodies with a 4xx status.",
    },
    "servers": [{"url": "/"}],
    "security": [{"session": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
        },
    },
}


def openapi_document() -> dict:
    """A copy of the document (callers may change theirs freely)."""
    return copy.deepcopy(DOCUMENT)


@bp.route("/openapi.json")
@roles_required(TILL_ROLES)
def document():
    return jsonify(DOCUMENT)
