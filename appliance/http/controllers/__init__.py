"""Every screen's route handlers, gathered for create_app."""

from appliance.http.controllers import (
    categories,
    devices,
    imports,
    lanes,
    parties,
    pos,
    pos_cash,
    pos_returns,
    products,
    session,
    shop_settings,
    sii_docs,
    status,
    users,
)

ROUTES = [
    session.login_form,
    session.login,
    session.logout,
    session.home,
    session.health,
    *products.ROUTES,
    *categories.ROUTES,
    *parties.ROUTES,
    *users.ROUTES,
    *imports.ROUTES,
    *shop_settings.ROUTES,
    *lanes.ROUTES,
    *pos.ROUTES,
    *pos_cash.ROUTES,
    *devices.ROUTES,
    *pos_returns.ROUTES,
    *sii_docs.ROUTES,
    *status.ROUTES,
]
