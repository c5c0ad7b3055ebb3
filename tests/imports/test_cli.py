"""Commands flask import-products / import-households: same errors, non-zero exit while errors remain."""

from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.households.models import Household
from grocery.imports.models import ImportBatch
from grocery.stock.models import Product
from tests.factories import make_user
from tests.imports.helpers import SAMPLES


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_errors_are_printed_and_nothing_is_written(runner, db):
    result = runner.invoke(args=["import-products", str(SAMPLES / "products.csv")])
    assert result.exit_code == 1
    assert ("ligne 6, colonne « Code-barres » : Le chiffre de contrôle de 5410001000040 est faux : scannez-le à "
            "nouveau ou vérifiez les chiffres.") in result.output
    assert "ligne 8, colonne « Quota » : « beaucoup » n'est pas un nombre entier." in result.output
    assert "7 ligne(s) lue(s) : 4 à importer, 0 déjà présente(s), 3 avec des erreurs." in result.output
    assert "Il reste des erreurs : rien n'a été enregistré." in result.output
    assert _count(db, Product) == 0
    assert _count(db, ImportBatch) == 0


def test_dry_run_writes_nothing(runner, db):
    result = runner.invoke(args=["import-products", "--dry-run", str(SAMPLES / "products_cp1252.csv")])
    assert result.exit_code == 0, result.output
    assert "Essai à blanc : rien n'a été enregistré." in result.output
    assert _count(db, Product) == 0
    failing = runner.invoke(args=["import-products", "--dry-run", str(SAMPLES / "products.csv")])
    assert failing.exit_code == 1


def test_only_valid_imports_and_a_second_run_creates_nothing(runner, db):
    user = make_user(role="stock_manager")
    db.session.commit()
    args = ["import-products", "--only-valid", "--user", user.username, str(SAMPLES / "products.csv")]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Import terminé : 4 créé(s)" in result.output
    assert _count(db, Product) == 4
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.source, batch.status, batch.created_by_id, batch.records_created) == ("cli", "done", user.id, 4)
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "imports.products")) == user.id
    again = runner.invoke(args=args)
    assert again.exit_code == 0
    assert "ligne 2 : déjà présent, ignoré" in again.output
    assert "Rien à importer." in again.output
    assert _count(db, Product) == 4


def test_households_command(runner, db):
    result = runner.invoke(args=["import-households", "--only-valid", str(SAMPLES / "households.csv")])
    assert result.exit_code == 0, result.output
    assert ("ligne 7, colonne « Date de naissance » : Date au mauvais format, attendu jj/mm/aaaa (ici : "
            "« 1979/04/12 »).") in result.output
    assert _count(db, Household) == 2


def test_refused_files_and_unknown_user(runner, db):
    result = runner.invoke(args=["import-products", str(SAMPLES / "not_a_spreadsheet.csv")])
    assert result.exit_code == 1
    assert "Ce fichier est un document PDF, pas un tableau." in result.output
    result = runner.invoke(args=["import-households", str(SAMPLES / "empty.csv")])
    assert result.exit_code == 1
    assert "Le fichier est vide." in result.output
    result = runner.invoke(args=["import-products", "--user", "nobody", str(SAMPLES / "products.csv")])
    assert result.exit_code == 1
    assert "Aucun compte ne s'appelle nobody." in result.output
