"""The admin UI's plumbing: templates, the signed-in user, role checks, CSRF, security headers.

Pages call `Ui.user(request, role)` first: without a session they are sent to the login page
at `/`, with too small a role they get a 403 page (`Denied`). Forms that change anything
go through `Ui.form(request)`, which refuses a missing or wrong CSRF token. Every page is
sent with a Content-Security-Policy that allows nothing from elsewhere and no script at all:
the UI works without JavaScript, and charts are SVG drawn on the server.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from bouncewarden.api.actions import Actions
from bouncewarden.api.context import Backend
from bouncewarden.api.ui.session import LoginLimiter, SessionData, SessionSigner, session_key
from bouncewarden.store.users import Role, UserInfo, role_allows

__all__ = ["SECURITY_HEADERS", "Denied", "Missing", "SignInNeeded", "Ui", "install_handlers"]

_HERE = Path(__file__).resolve().parent.parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SignInNeeded(Exception):
    """The page needs a signed-in user."""


class Denied(Exception):
    """The request may not do this: too small a role, or a form without its CSRF token."""


class Missing(Exception):
    """The page names something that does not exist."""


class Ui:
    """What every admin page needs: the backend, its actions, templates and the session."""

    def __init__(self, backend: Backend, signer: SessionSigner | None = None) -> None:
        self.backend = backend
        self.actions = Actions(backend)
        self.signer = signer or SessionSigner(session_key(backend.service.settings.http.session_key_file))
        self.limiter = LoginLimiter()
        self.templates = Jinja2Templates(directory=str(_HERE / "templates"))

    def session(self, request: Request) -> SessionData:
        """The request's session, or a new anonymous one (its cookie set by `render`)."""
        found: SessionData | None = getattr(request.state, "session", None)
        if found is None:
            found = self.signer.read(request) or self.signer.new(None)
            request.state.session = found
        return found

    def user(self, request: Request, needed: Role = Role.VIEWER) -> UserInfo:
        """The signed-in user, who must have at least role `needed`."""
        session = self.session(request)
        user = None if session.user_id is None else self.backend.users.get(session.user_id)
        if user is None:
            raise SignInNeeded()
        if not role_allows(user.role, needed):
            raise Denied(f"this needs the {needed.value} role; you are {user.role.value}")
        return user

    async def form(self, request: Request) -> FormData:
        """The posted form, after its CSRF token was checked against the session's."""
        form = await request.form()
        given = str(form.get("csrf", ""))
        if not given or not hmac.compare_digest(given, self.session(request).csrf):
            raise Denied("the form has expired or did not come from this site; reload the page and try again")
        if any("\x00" in str(value) for value in form.values()):
            raise Denied("a form field holds a NUL character")
        return form

    def render(
        self, request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
    ) -> HTMLResponse:
        """A page from a template, with the session's cookie and the security headers."""
        session = self.session(request)
        values = {"csrf": session.csrf, "request": request, **context}
        response = self.templates.TemplateResponse(request, name, values, status_code=status_code)
        self.signer.write(response, request, session)
        response.headers.update(SECURITY_HEADERS)
        return response

    def back(self, request: Request, url: str) -> Response:
        """A redirect after a successful form (303, so the browser GETs the page)."""
        response = RedirectResponse(url, status_code=303)
        self.signer.write(response, request, self.session(request))
        return response


def install_handlers(app: FastAPI, ui: Ui) -> None:
    """The sign-in redirect and the 403 page, and the package's static files at /static."""

    @app.exception_handler(SignInNeeded)
    async def sign_in(request: Request, error: SignInNeeded) -> Response:
        return RedirectResponse("/", status_code=303)

    @app.exception_handler(Denied)
    async def denied(request: Request, error: Denied) -> Response:
        return ui.render(request, "error.html", {"user": None, "message": str(error)}, status_code=403)

    @app.exception_handler(Missing)
    async def missing(request: Request, error: Missing) -> Response:
        context = {"user": None, "message": str(error), "heading": "Not found"}
        return ui.render(request, "error.html", context, status_code=404)

    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
