"""The admin UI: server-rendered pages (Jinja2, no script) for reviewing and correcting decisions.

pages_auth.py      / (login page or dashboard), /login, /logout
pages_lists.py     /bounces, /blocked, /blocks, /bulk
pages_address.py   /address/{address}, /evidence/{id} and the changes made there
pages_manage.py    /rules, /quarantine, /settings, /audit
pages_people.py    /people: users and API tokens (administrators)
web.py             templates, roles, CSRF, security headers;  session.py: cookie and login limit
charts.py          SVG charts drawn on the server
"""

from __future__ import annotations

from fastapi import FastAPI

from bouncewarden.api.context import Backend
from bouncewarden.api.ui.pages_address import address_router
from bouncewarden.api.ui.pages_auth import auth_router
from bouncewarden.api.ui.pages_lists import lists_router
from bouncewarden.api.ui.pages_manage import manage_router
from bouncewarden.api.ui.pages_people import people_router
from bouncewarden.api.ui.web import Ui, install_handlers

__all__ = ["install_ui"]


def install_ui(app: FastAPI, backend: Backend) -> Ui:
    """Add the admin UI's pages, error handlers and static files to `app`."""
    ui = Ui(backend)
    install_handlers(app, ui)
    for part in (auth_router, lists_router, address_router, manage_router, people_router):
        app.include_router(part(ui))
    return ui
