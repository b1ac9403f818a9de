"""Every screen's route handlers, gathered for create_app."""

from appliance.http.controllers import products, session

ROUTES = [
    session.login_form,
    session.login,
    session.logout,
    session.home,
    session.health,
    *products.ROUTES,
]
