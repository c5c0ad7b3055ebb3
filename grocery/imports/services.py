"""Import services: analyse a file without writing, keep it between preview and confirmation, write in one go."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from grocery.audit.services import record_event
from grocery.auth.roles import SOCIAL, Role
from grocery.errors import Conflict, NotFound
from grocery.extensions import db
from grocery.imports import households, products
from grocery.imports.columns import Column, Item, Plan, Progress, concurrent_change, map_columns
from grocery.imports.limits import Deadline, ImportLimits
from grocery.imports.models import ImportBatch
from grocery.imports.parsing import ImportRefused, Table, check_size, read_table
from grocery.timeutil import utcnow

#: Pending imports (file kept, not confirmed) are dropped after this many hours.
PENDING_HOURS = 24


@dataclass(frozen=True)
class ImportKind:
    """One kind of import: its columns, its checks and its bulk writer (both in their own module)."""

    key: str
    label: Any
    columns: tuple[Column, ...]
    analyse: Callable[..., Plan]
    #: (actor, items, progress) -> records created, all items written in bulk.
    write: Callable[[Any, list[Item], Progress], int]
    describe: Callable[[Item], list[str]]
    roles: frozenset


KINDS: dict[str, ImportKind] = {
    "products": ImportKind("products", _l("Products"), products.COLUMNS, products.analyse, products.write_all,
                           products.describe, frozenset({Role.STOCK_MANAGER, Role.COORDINATOR, Role.ADMIN})),
    "households": ImportKind("households", _l("Households"), households.COLUMNS, households.analyse,
                             households.write_all, households.describe, SOCIAL),
}


def kind_of(key: str) -> ImportKind:
    if key not in KINDS:
        raise NotFound(_l("This kind of import does not exist."))
    return KINDS[key]


def analyse_file(kind: str, filename: str, data: bytes, progress: Progress = None,
                 deadline: Deadline | None = None) -> Plan:
    """Read and check a whole file without writing anything: the plan lists the rows to create, the rows already
    present and every bad row (line, column, message). A file that cannot be read, or over one of the import
    limits (lines, columns, characters, size, time: grocery/imports/limits.py), raises ImportRefused."""
    deadline = deadline or ImportLimits.current().deadline()
    return analyse_table(kind, read_table(filename, data, deadline=deadline), progress, deadline)


def analyse_table(kind: str, table: Table, progress: Progress = None, deadline: Deadline | None = None) -> Plan:
    """The plan of a file already read (the command line reads it first to size its progress bar); the checks
    stop with ImportRefused at the deadline."""
    spec = kind_of(kind)
    return spec.analyse(table, map_columns(table, spec.columns), _timed(progress, deadline))


def _timed(progress: Progress, deadline: Deadline | None) -> Progress:
    """The progress callback that also refuses the file once the deadline is passed."""
    if deadline is None:
        return progress

    def step(count: int) -> None:
        if progress:
            progress(count)
        deadline.check()

    return step


def start_import(actor, kind: str, filename: str, data: bytes, *, max_bytes: int) -> tuple[ImportBatch, Plan]:
    """Check an uploaded file and keep it server-side for the preview; a refused file is not kept."""
    check_size(len(data), max_bytes)
    plan = analyse_file(kind, filename, data)
    purge_stale_imports()
    batch = ImportBatch(token=secrets.token_urlsafe(24), kind=kind, filename=(filename or "?")[:255], content=data,
                        size_bytes=len(data), status="pending", source="web",
                        created_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    return batch, plan


def get_import(actor, kind: str, token: str) -> ImportBatch:
    """An import of this kind started by this person (another person's token answers "not found")."""
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.token == token, ImportBatch.kind == kind))
    if batch is None or batch.created_by_id != getattr(actor, "id", None):
        raise NotFound(_l("This import does not exist or has expired: upload the file again."))
    return batch


def preview_import(batch: ImportBatch, deadline: Deadline | None = None) -> Plan:
    """The plan of a pending import, checked again against the database as it is now."""
    if batch.status != "pending" or batch.content is None:
        raise Conflict(_l("This import is finished: upload the file again to import it once more."))
    return analyse_file(batch.kind, batch.filename, batch.content, deadline=deadline)


def confirm_import(actor, batch: ImportBatch, *, only_valid: bool, progress: Progress = None) -> Plan:
    """Write a previewed import: the file is checked again, then every row is created in bulk with the domain
    rules. Refused while errors remain unless only_valid; a refusal during the writing (a row that became
    invalid meanwhile, or the time limit of one import passed) raises ImportRefused and the caller rolls
    everything back."""
    deadline = ImportLimits.current().deadline()
    plan = preview_import(batch, deadline)
    deadline.writing = True
    apply_plan(actor, batch, plan, only_valid=only_valid, progress=_timed(progress, deadline))
    return plan


def apply_plan(actor, batch: ImportBatch, plan: Plan, *, only_valid: bool, progress: Progress = None) -> int:
    """Create the plan's items in bulk with the domain rules (grocery/imports/products.py, households.py: a few
    INSERT executemany, the audit events of the created records included), then log the import. Returns the
    records created. A refusal raises ImportRefused; the caller rolls everything back."""
    spec = kind_of(batch.kind)
    if plan.errors and not only_valid:
        raise ImportRefused(ngettext(
            "%(num)d line has errors: correct the file and upload it again, or choose to import only the valid "
            "lines. Nothing was imported.",
            "%(num)d lines have errors: correct the file and upload it again, or choose to import only the valid "
            "lines. Nothing was imported.", plan.lines_invalid))
    if not plan.items:
        raise ImportRefused(_l("Nothing to import: every line is already present or has an error."))
    try:
        created = spec.write(actor, plan.items, progress)
    except IntegrityError as error:  # a concurrent change took a barcode, a reference or a card code meanwhile
        raise concurrent_change() from error
    batch.status, batch.finished_at, batch.content = "done", utcnow(), None
    batch.lines_read, batch.lines_imported = plan.lines_read, plan.lines_ok
    batch.lines_present, batch.lines_invalid = plan.lines_present, plan.lines_invalid
    batch.records_created = created
    db.session.flush()
    record_event(actor, f"imports.{batch.kind}", batch, {
        "file": batch.filename, "source": batch.source, "created": created, "lines_read": plan.lines_read,
        "lines_imported": plan.lines_ok, "lines_present": plan.lines_present, "lines_invalid": plan.lines_invalid})
    return created


def cancel_import(actor, batch: ImportBatch) -> None:
    """Drop a pending import: the kept file is erased."""
    if batch.status != "pending":
        return
    batch.status, batch.finished_at, batch.content = "cancelled", utcnow(), None
    db.session.flush()


def start_cli_import(kind: str, filename: str, size: int, actor=None) -> ImportBatch:
    """The log row of an import run from the command line (the file stays on disk, it is not kept)."""
    kind_of(kind)
    batch = ImportBatch(token=secrets.token_urlsafe(24), kind=kind, filename=(filename or "?")[:255], content=None,
                        size_bytes=size, status="pending", source="cli", created_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    return batch


def purge_stale_imports(hours: int = PENDING_HOURS) -> int:
    """Erase the files of imports left pending (previewed, never confirmed) for more than `hours` hours."""
    limit = utcnow() - timedelta(hours=hours)
    result = db.session.execute(
        update(ImportBatch).where(ImportBatch.status == "pending", ImportBatch.created_at < limit)
        .values(status="cancelled", content=None, finished_at=utcnow()))
    return result.rowcount or 0


def recent_imports(kinds, limit: int = 20) -> list[ImportBatch]:
    """The last finished imports of these kinds, newest first."""
    kinds = list(kinds)
    if not kinds:
        return []
    return list(db.session.scalars(
        select(ImportBatch).where(ImportBatch.kind.in_(kinds), ImportBatch.status == "done")
        .order_by(ImportBatch.finished_at.desc(), ImportBatch.id.desc()).limit(limit)))
