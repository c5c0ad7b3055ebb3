"""Demo data for the stock: about 150 products, 6 donors (one Flemish), receptions with varied expiry dates, a
category quota (baby hygiene)."""

import random
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from grocery.barcodes import make_ean13
from grocery.demo import register_demo
from grocery.extensions import db
from grocery.stock import services as svc
from grocery.timeutil import local_today

#: A category with a quota on all its products together: 2 pieces per child under 3 per week.
BABY_HYGIENE = "Hygiène bébé"
BABY_HYGIENE_QUOTA = {"quota_quantity": 2, "quota_scope": "per_child_under_3", "quota_period": "week"}

#: category -> (unit, net weight g, retail cents, days of shelf life (use-by if "dlc" else best-before), names)
CATALOGUE = {
    "Fruits et légumes": ("kg", None, 280, ("dlc", 8), [
        "Pommes Jonagold", "Poires Conférence", "Bananes", "Carottes", "Pommes de terre", "Oignons", "Tomates",
        "Poireaux", "Courgettes", "Oranges", "Clémentines", "Chicons", "Choux-fleurs", "Céleri-rave", "Potiron",
        "Navets", "Betteraves rouges", "Kiwis", "Raisins blancs"]),
    "Frais": ("piece", 500, 189, ("dlc", 12), [
        "Lait demi-écrémé 1 l", "Yaourt nature x4", "Yaourt aux fruits x4", "Fromage Gouda tranches", "Beurre 250 g",
        "Jambon cuit 4 tranches", "Œufs x6", "Crème fraîche 20 cl", "Fromage blanc 500 g", "Emmental râpé",
        "Boudin blanc", "Filet de poulet 400 g", "Hachis porc et bœuf 500 g", "Saucisses de Francfort",
        "Herve 200 g", "Pâté de campagne", "Margarine 500 g", "Riz au lait x4", "Salade de carottes"]),
    "Épicerie sèche": ("piece", 500, 149, ("ddm", 300), [
        "Pâtes spaghetti 500 g", "Pâtes penne 500 g", "Riz long grain 1 kg", "Farine 1 kg", "Sucre 1 kg",
        "Café moulu 250 g", "Thé noir x25", "Céréales corn flakes", "Flocons d'avoine 500 g", "Biscuits petits-beurre",
        "Confiture de fraises", "Pâte à tartiner", "Huile de tournesol 1 l", "Sel fin", "Lentilles vertes 500 g",
        "Semoule 500 g", "Chapelure", "Cacao en poudre", "Speculoos 250 g"]),
    "Conserves": ("piece", 400, 119, ("ddm", 500), [
        "Haricots verts 400 g", "Petits pois carottes", "Tomates pelées", "Thon au naturel", "Sardines à l'huile",
        "Maïs doux", "Pois chiches", "Haricots blancs à la tomate", "Raviolis bolognaise", "Soupe tomate",
        "Soupe légumes", "Compote de pommes", "Pêches au sirop", "Ananas tranches", "Champignons de Paris",
        "Cassoulet", "Boulettes sauce tomate", "Concentré de tomate", "Lait concentré"]),
    "Boissons": ("piece", 1000, 99, ("ddm", 200), [
        "Eau plate 1,5 l", "Eau pétillante 1,5 l", "Jus d'orange 1 l", "Jus de pomme 1 l", "Limonade 1,5 l",
        "Sirop de grenadine", "Lait chocolaté 1 l", "Thé glacé 1,5 l", "Jus multifruits 1 l", "Soda cola 1,5 l",
        "Eau plate 6 x 50 cl", "Boisson soja 1 l", "Café soluble", "Chicorée", "Tisane camomille",
        "Jus de raisin 1 l", "Nectar abricot 1 l", "Eau aromatisée citron", "Sirop de menthe"]),
    "Hygiène": ("piece", 300, 249, (None, 0), [
        "Savon de Marseille", "Gel douche 250 ml", "Shampooing 250 ml", "Dentifrice", "Brosse à dents",
        "Déodorant", "Papier toilette x8", "Mouchoirs x10", "Serviettes hygiéniques", "Tampons",
        "Rasoirs jetables", "Coton-tiges", "Crème hydratante", "Mousse à raser", "Lingettes",
        "Gel hydroalcoolique", "Coton démaquillant", "Baume à lèvres", "Peigne"]),
    "Entretien": ("piece", 1000, 299, (None, 0), [
        "Liquide vaisselle", "Lessive liquide 1,5 l", "Nettoyant sol", "Eau de Javel", "Éponges x3",
        "Sacs poubelle 30 l", "Essuie-tout x2", "Nettoyant vitres", "Vinaigre ménager", "Pastilles lave-vaisselle",
        "Adoucissant", "Savon noir", "Serpillière", "Gants de ménage", "Détartrant",
        "Allumettes", "Piles AA x4", "Bougies", "Sel régénérant"]),
    "Bébé": ("piece", 800, 899, ("ddm", 250), [
        "Langes taille 3", "Langes taille 4", "Langes taille 5", "Lait 1er âge 800 g", "Lait 2e âge 800 g",
        "Petits pots légumes", "Petits pots fruits", "Céréales bébé", "Biberon", "Tétine",
        "Compote bébé x4", "Biscuits bébé", "Sérum physiologique", "Thermomètre de bain"]),
    BABY_HYGIENE: ("piece", 300, 449, (None, 0), [
        "Lingettes bébé", "Liniment", "Crème pour le change", "Gel lavant bébé", "Coton bébé"]),
}

DONORS = [
    ("Banque alimentaire Namur-Luxembourg", "food_bank", "Entrepôt de Naninne\nlogistique@banque-alimentaire.be"),
    ("Programme FSE+ (ex-FEAD)", "fead", "Via la banque alimentaire, colis du SPP Intégration sociale"),
    ("Delhaize Jambes", "supermarket", "Responsable invendus : 081 00 00 00"),
    ("Collecte école Saint-Joseph", "collection", "Mme Lambert, directrice"),
    ("Dons de particuliers", "private", ""),
]
#: A Flemish donor whose receipts are printed in Dutch.
DUTCH_DONOR = ("Colruyt Halle", "supermarket", "Verantwoordelijke onverkochte goederen: 02 000 00 00")


@register_demo(30, _l("stock"))
def load_stock_demo() -> str:
    rng = random.Random(2026)
    today = local_today()
    categories = {c.name: c for c in svc.ensure_default_categories()}
    if BABY_HYGIENE not in categories:
        categories[BABY_HYGIENE] = svc.save_category(None, None, name=BABY_HYGIENE, default_social_percent=20,
                                                     sort_order=75, **BABY_HYGIENE_QUOTA)
    products = []
    serial = 1000
    for category_name, (unit, weight, retail, shelf, names) in CATALOGUE.items():
        for index, name in enumerate(names):
            serial += 1
            without_barcode = unit == "kg" or index % 9 == 4
            quota = {"quota_quantity": 2, "quota_scope": "per_child_under_3", "quota_period": "week"} \
                if name.startswith("Langes") else {}
            product = svc.create_product(
                None, name=name, category=categories[category_name], unit_kind=unit,
                net_weight_g=weight if unit == "piece" else None,
                retail_price_cents=retail + rng.randrange(-40, 120, 10), price_rule="category",
                low_stock_threshold=(3000 if unit == "kg" else rng.choice((0, 5, 10, 12))),
                barcode=None if without_barcode else make_ean13("54", 2026_000 + serial), **quota)
            if without_barcode:
                svc.generate_instore_code(None, product)
            if unit == "kg":
                svc.ensure_item_number(product)
            products.append((product, shelf))
    donors = [svc.save_donor(None, None, name=name, kind=kind, contact=contact) for name, kind, contact in DONORS]
    receptions = 0
    for days_ago, donor in ((40, donors[0]), (25, donors[1]), (12, donors[2]), (6, donors[0]), (3, donors[3]),
                            (1, donors[4])):
        received = today - timedelta(days=days_ago)
        donation = svc.start_donation(None, donor, received, "Arrivage du " + received.strftime("%d/%m"))
        for product, (kind, days) in rng.sample(products, 45):
            expiry = received + timedelta(days=max(1, days + rng.randrange(-days // 2 - 1, days // 3 + 2))) \
                if kind else None
            if product.unit_kind == "kg":
                amount = {"measure": rng.randrange(2000, 15000, 250)}
            else:
                amount = {"quantity": rng.randrange(2, 24)}
            svc.add_donation_line(donation, product, use_by_on=expiry if kind == "dlc" else None,
                                  best_before_on=expiry if kind == "ddm" else None,
                                  lot_number=f"L{rng.randrange(10000, 99999)}" if kind else "", **amount)
        svc.confirm_donation(None, donation)
        receptions += 1
    draft = svc.start_donation(None, donors[2], today, "Invendus du jour")
    for product, _shelf in rng.sample([p for p in products if p[0].category.name == "Frais"], 3):
        svc.add_donation_line(draft, product, quantity=rng.randrange(2, 8), use_by_on=today + timedelta(days=3))
    name, kind, contact = DUTCH_DONOR
    flemish = svc.save_donor(None, None, name=name, kind=kind, contact=contact, preferred_language="nl")
    donors.append(flemish)
    delivery = svc.start_donation(None, flemish, today - timedelta(days=2), "Onverkochte goederen")
    for product, _shelf in random.Random(2027).sample([p for p in products if p[0].unit_kind == "piece"], 6):
        svc.add_donation_line(delivery, product, quantity=6, best_before_on=today + timedelta(days=90))
    svc.confirm_donation(None, delivery)
    receptions += 1
    receptions += _purchases_and_best_before(categories, products, donors, today)
    db.session.flush()
    return ", ".join((ngettext("%(num)d product", "%(num)d products", len(products)),
                      ngettext("%(num)d donor", "%(num)d donors", len(donors)),
                      ngettext("%(num)d reception confirmed", "%(num)d receptions confirmed", receptions),
                      ngettext("%(num)d in progress", "%(num)d in progress", 1)))


#: Days a lot stays sellable after its best-before date, per demo category (the others take the setting).
DDM_GRACE_DAYS = {"Fruits et légumes": 0, "Frais": 0, "Épicerie sèche": 30, "Conserves": 60}


def _purchases_and_best_before(categories, products, donors, today) -> int:
    """The CPAS's own purchase of staples (with their cost price), and a lot of pasta past its best-before date and
    its 30 days, waiting for a stock manager's decision. Returns the receptions confirmed."""
    for name, days in DDM_GRACE_DAYS.items():
        category = categories[name]
        svc.save_category(None, category, name=category.name, default_social_percent=category.default_social_percent,
                          sort_order=category.sort_order, is_active=category.is_active, ddm_grace_days=days,
                          quota_quantity=category.quota_quantity, quota_scope=category.quota_scope,
                          quota_period=category.quota_period)
    cpas = svc.save_donor(None, None, name="Achats CPAS", kind="purchase", contact="Service économat du CPAS")
    donors.append(cpas)
    staples = [p for p, _shelf in products if p.category.name == "Épicerie sèche" and p.unit_kind == "piece"][:4]
    purchase = svc.start_donation(None, cpas, today - timedelta(days=10), "Achats mensuels")
    for product in staples:
        svc.add_donation_line(purchase, product, quantity=24, best_before_on=today + timedelta(days=200),
                              unit_cost_cents=product.retail_price_cents * 6 // 10)
    svc.confirm_donation(None, purchase)
    old = svc.start_donation(None, donors[4], today - timedelta(days=80), "Fond d'armoire")
    svc.add_donation_line(old, staples[0], quantity=5, best_before_on=today - timedelta(days=45), lot_number="L0412")
    svc.confirm_donation(None, old)
    return 2
