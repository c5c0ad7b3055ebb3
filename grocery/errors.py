"""Business errors raised by services, and the app-level handlers that turn them into pages or JSON."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException


class GroceryError(Exception):
    """A refusal by a business rule; `message` is translated and says what to do next."""

    code = "error"
    status = 400
    default_message = _l("The operation was refused.")

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.details = details
        super().__init__(self.message)


class ValidationError(GroceryError):
    """Bad input for one field, or for several at once (`errors`: field -> messages, in the order found); views
    show each message next to its field. `field` and `message` are the first ones."""

    code = "invalid"
    status = 422
    default_message = _l("Please check the value entered.")

    def __init__(self, field: str | None, message: str | None = None, **details: object) -> None:
        self.field = field
        super().__init__(message, **details)
        self.errors: dict[str | None, list[str]] = {field: [self.message]}

    @classmethod
    def several(cls, errors: dict[str | None, list[str]]) -> ValidationError:
        """One refusal carrying the errors of several fields (at least one)."""
        field, messages = next(iter(errors.items()))
        error = cls(field, messages[0])
        error.errors = {name: list(texts) for name, texts in errors.items()}
        return error


class FieldErrors:
    """Collects the errors of several fields so that a service refuses once with all of them, and a form shows
    every error at the first submit instead of one per submit:

        errors = FieldErrors()
        if not name: errors.add("name", _l("Enter the name."))
        with errors.collect():          # a check that raises ValidationError
            price = parse_money(text, field="price")
        errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: dict[str | None, list[str]] = {}

    def add(self, field: str | None, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def __contains__(self, field: str | None) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Run a block that may raise ValidationError; its errors are kept and the block is left."""
        try:
            yield
        except ValidationError as error:
            for field, messages in error.errors.items():
                for message in messages:
                    self.add(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError.several(self.errors)


class BadInput(GroceryError):
    """A request no form could have sent (a number beyond any column, a NUL character, JSON nested too deep)."""

    code = "bad_input"
    status = 400
    default_message = _l("A value sent is out of range or not allowed (a number too large, an impossible date, an "
                         "invisible character). Check what was entered and try again.")


class NotFound(GroceryError):
    code = "not_found"
    status = 404
    default_message = _l("Not found.")


class Conflict(GroceryError):
    code = "conflict"
    status = 409
    default_message = _l("This conflicts with existing data.")


class NotEligible(GroceryError):
    code = "not_eligible"
    status = 403
    default_message = _l("This household may not shop today: see the social service.")


class OverBudget(GroceryError):
    code = "over_budget"
    status = 409
    default_message = _l("The budget left for this period is not enough.")


class QuotaExceeded(GroceryError):
    code = "quota_exceeded"
    status = 409
    default_message = _l("A product limit for this household is reached.")


class InsufficientStock(GroceryError):
    code = "insufficient_stock"
    status = 409
    default_message = _l("Not enough stock.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GroceryError)
    def handle_grocery_error(error: GroceryError):
        if wants_json():
            body = {"error": error.code, "message": error.message}
            if isinstance(error, ValidationError) and error.field:
                body["field"] = error.field
            if isinstance(error, ValidationError) and len(error.errors) > 1:
                body["fields"] = {field or "": messages for field, messages in error.errors.items()}
            return jsonify(body), error.status
        return render_template("errors/error.html", code=error.status, message=error.message), error.status

    @app.errorhandler(OverflowError)
    @app.errorhandler(RecursionError)
    @app.errorhandler(DataError)
    def handle_out_of_range(error: Exception):
        """Safety net for input no parser bounded: an integer beyond its column (DataError on PostgreSQL,
        OverflowError on SQLite or in date arithmetic), a NUL character or an impossible date refused by the
        database, JSON nested beyond the recursion limit. Rolled back, so nothing half-written remains; a 400."""
        from grocery.extensions import db

        db.session.rollback()
        current_app.logger.warning("bad input refused on %s %s: %r", request.method, request.path, error)
        return handle_grocery_error(BadInput())

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = str(_l("The form has expired or was sent twice. Reload the page and try again."))
        if wants_json():
            return jsonify({"error": "csrf", "message": message}), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if wants_json():
            return jsonify({"error": f"http_{error.code}", "message": error.description}), error.code
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(error.code, "errors/error.html")
        return render_template(template, code=error.code, message=error.description), error.code

    @app.errorhandler(500)
    def handle_server_error(error):
        from grocery.extensions import db

        db.session.rollback()
        if wants_json():
            return jsonify({"error": "server_error", "message": str(_l("Unexpected error."))}), 500
        return render_template("errors/500.html", code=500), 500
