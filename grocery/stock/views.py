"""Stock pages."""

from grocery.auth.roles import roles_required
from grocery.stock import STOCK_ROLES, bp


@bp.route("/")
@roles_required(STOCK_ROLES)
def index():
    return "stock"
