"""The web case room's routes: a Flask blueprint under `/portal/`.

Every page needs a live session (else the browser is sent to sign in); every POST needs the
session's CSRF token (else 400, and nothing changes); every response carries a
Content-Security-Policy that allows no inline script or style, and case pages are not cached.
A case page, and any document of it, re-checks that the person is a member of the case (the
Board Chair and the business unit, who oversee every case, see any case's page read-only); the
Board's dashboard and its CSV re-check that the person is the Board Chair or in the business
unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, g, request

from bot.portal import referral_form
from bot.portal.case_forms import Pages, register_case_forms
from bot.portal.people import People
from bot.portal.signin import LOGIN_COOKIE, SESSION_COOKIE, SignIn, SignInRefusedError
from bot.runtime import Runtime
from bot.services.cases import documents
from bot.services.portal import cases as portal_cases
from bot.services.portal import dashboard as board
from bot.services.portal import forms as portal_forms
from bot.services.portal import sessions
from bot.services.portal.schema import CasePage
from bot.services.portal.sessions import SESSION_TTL, SignedIn
from bot.services.referral import pending
from bot.services.referral.pending import PendingLink
from bot.services.refusal import InvalidFormError, RefusedError
from bot.views.web.dashboard import dashboard_csv
from bot.views.web.portal import (
    Chrome,
    DetailsForm,
    render_case_list,
    render_case_page,
    render_dashboard,
    render_details_form,
    render_message,
)

PREFIX = "/portal"
STATIC = Path(__file__).parent / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
NOT_SHOWN = (
    "I can't show you that case. Case pages are for the members of the case; if you should "
    "be one, ask the business unit."
)
NOT_FOR_YOU = (
    "The Board's dashboard is for the Board Chair and the business unit. If you need its "
    "figures, ask the business unit."
)
DASHBOARD = f"{PREFIX}/dashboard"
CASE_HREF = f"{PREFIX}/cases/{{reference}}"


def register_portal(flask_app: Flask, runtime: Runtime) -> None:
    """Serve the case room when it is configured (SCR_PUBLIC_URL and SLACK_CLIENT_ID)."""
    if runtime.settings.portal_enabled:
        flask_app.register_blueprint(portal_blueprint(runtime, SignIn(runtime), People(runtime)))


def _see_other(location: str) -> Response:
    """A 302 to ``location`` (a path of the case room, or Slack's authorize page)."""
    return Response(status=302, headers={"Location": location})


def _safe_next(value: str | None) -> str:
    """Only a path of the case room itself, never another site."""
    if value and value.startswith(f"{PREFIX}/") and "//" not in value and "\\" not in value:
        return value
    return f"{PREFIX}/"


def portal_blueprint(runtime: Runtime, signin: SignIn, people: People) -> Blueprint:
    bp = Blueprint("portal", __name__, url_prefix=PREFIX, static_folder=str(STATIC))
    db = runtime.db

    def page(html: str, status: int = 200) -> Response:
        return Response(html, status=status, mimetype="text/html")

    def refuse(title: str, message: str, status: int) -> Response:
        chrome = _chrome() if getattr(g, "signed_in", None) else None
        return page(render_message(title, message, chrome=chrome), status)

    def _chrome() -> Chrome:
        me: SignedIn = g.signed_in
        with db.session() as session:
            board_member = board.may_see_dashboard(session, me.user_id)
        return Chrome(
            person=people.names([me.user_id])[me.user_id],
            csrf_token=me.csrf_token,
            dashboard=DASHBOARD if board_member else None,
        )

    def current() -> SignedIn | None:
        token = signin.read_session_cookie(request.cookies.get(SESSION_COOKIE))
        if token is None:
            return None
        with db.session() as session:
            return sessions.live_session(session, token, runtime.clock.now())

    def signed_in_only(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            g.signed_in = current()
            if g.signed_in is None:
                target = quote(_safe_next(request.path), safe="/")
                return _see_other(f"{PREFIX}/login?next={target}")
            return view(*args, **kwargs)

        return wrapper

    @bp.before_request
    def csrf() -> Response | None:
        if request.method != "POST":
            return None
        me = current()
        if me is None or not sessions.csrf_matches(me, request.form.get("csrf_token")):
            return page(
                render_message(
                    "Form refused",
                    "This form was refused: it did not carry this session's security token. "
                    "Nothing was changed. Reload the page and try again.",
                ),
                400,
            )
        g.signed_in = me
        return None

    @bp.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith(f"{PREFIX}/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    def set_cookie(response: Response, name: str, value: str, max_age: int, path: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            secure=signin.secure_cookies,
            httponly=True,
            samesite="Lax",
        )

    @bp.get("/login")
    def login() -> Response:
        with db.session() as session:
            issued = sessions.issue_login_state(session, runtime.clock.now())
        response = _see_other(signin.authorize_url(issued.state, issued.nonce))
        cookie = signin.login_cookie(issued.state, _safe_next(request.args.get("next")))
        set_cookie(
            response,
            LOGIN_COOKIE,
            cookie,
            int(sessions.LOGIN_TTL.total_seconds()),
            f"{PREFIX}/oidc/",
        )
        return response

    @bp.get("/oidc/callback")
    def callback() -> Response:
        try:
            next_path, token = _finish_sign_in()
        except SignInRefusedError as exc:
            return page(
                render_message("Sign-in refused", str(exc), sign_in=f"{PREFIX}/login"), exc.status
            )
        response = _see_other(next_path)
        set_cookie(
            response,
            SESSION_COOKIE,
            signin.session_cookie(token),
            int(SESSION_TTL.total_seconds()),
            f"{PREFIX}/",
        )
        response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/oidc/")
        return response

    def _finish_sign_in() -> tuple[str, str]:
        if request.args.get("error"):
            raise SignInRefusedError("Sign-in was cancelled in Slack.")
        state, code = request.args.get("state", ""), request.args.get("code", "")
        bound = signin.read_login_cookie(request.cookies.get(LOGIN_COOKIE))
        if not state or not code or bound is None or bound.get("state") != state:
            raise SignInRefusedError(
                "This sign-in was not started in this browser. Please sign in again."
            )
        now = runtime.clock.now()
        with db.session() as session:
            nonce = sessions.consume_login_state(session, state, now)
        if nonce is None:
            raise SignInRefusedError(
                "This sign-in has expired or was used already. Please sign in again."
            )
        person = signin.identify(code, nonce)
        people.remember(person.user_id, person.name)
        with db.session() as session:
            token, _ = sessions.open_session(session, person.user_id, person.team_id, now)
        return _safe_next(bound.get("next")), token

    @bp.post("/logout")
    def logout() -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        with db.session() as session:
            sessions.end_session(session, me.id, now)
        g.signed_in = None
        response = page(
            render_message(
                "Signed out", "You have signed out of the case room.", sign_in=f"{PREFIX}/login"
            )
        )
        response.delete_cookie(
            SESSION_COOKIE,
            path=f"{PREFIX}/",
            secure=signin.secure_cookies,
            httponly=True,
            samesite="Lax",
        )
        return response

    @bp.get("/")
    @signed_in_only
    def home() -> Response:
        me: SignedIn = g.signed_in
        with db.session() as session:
            lines = portal_cases.my_cases(
                session, me.user_id, runtime.clock.now(), runtime.working_calendar()
            )
        return page(render_case_list(_chrome(), lines, CASE_HREF))

    @bp.get("/cases/<reference>")
    @signed_in_only
    def case(reference: str) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        shown: CasePage | None = None
        with db.session() as session:  # the refusal's audit entry is kept: no exception leaves
            try:
                found, member = portal_cases.case_to_view(session, reference, me.user_id, now)
            except portal_cases.NotShownError:
                pass
            else:
                href = f"{PREFIX}/cases/{found.reference}/{portal_cases.CHRONOLOGY_CSV}"
                kinds = portal_forms.forms_for(session, found, me.user_id) if member else []
                forms = [
                    (portal_forms.TITLES[k], f"{PREFIX}/cases/{found.reference}/forms/{k}")
                    for k in kinds
                ]
                shown = portal_cases.case_page(
                    session,
                    runtime.cipher,
                    found,
                    me.user_id,
                    now,
                    runtime.working_calendar(),
                    chronology_href=href,
                    document_href=f"{PREFIX}/cases/{found.reference}/documents/{{id}}",
                    member=member,
                    forms=forms,
                )
        if shown is None:
            return refuse("Not shown", NOT_SHOWN, 403)
        mentioned = [o for t in shown.tasks for o in t.owners]
        mentioned += [line.actor for line in shown.audit or ()]
        return page(render_case_page(_chrome(), shown, people.names(mentioned)))

    @bp.get(f"/cases/<reference>/{portal_cases.CHRONOLOGY_CSV}")
    @signed_in_only
    def chronology(reference: str) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        with db.session() as session:  # the refusal's audit entry is kept: no exception leaves
            try:
                found = portal_cases.case_for(session, reference, me.user_id, now)
            except portal_cases.NotShownError:
                found = None
            download = (
                portal_cases.chronology_download(session, runtime.cipher, found, me.user_id, now)
                if found is not None
                else None
            )
        if found is None:
            return refuse("Not shown", NOT_SHOWN, 403)
        if download is None:
            return refuse("No chronology yet", "No agency has sent its chronology yet.", 404)
        name, content = download
        return Response(
            content,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/dashboard")
    @signed_in_only
    def dashboard() -> Response:
        me: SignedIn = g.signed_in
        with db.session() as session:  # the refusal's audit entry is kept: no exception leaves
            try:
                figures = board.dashboard_for(
                    session, me.user_id, runtime.clock.now(), runtime.working_calendar()
                )
            except board.NotForYouError:
                figures = None
        if figures is None:
            return refuse("Not shown", NOT_FOR_YOU, 403)
        html = render_dashboard(
            _chrome(), figures, case_href=CASE_HREF, csv_href=f"{DASHBOARD}.csv"
        )
        return page(html)

    @bp.get("/dashboard.csv")
    @signed_in_only
    def dashboard_download() -> Response:
        me: SignedIn = g.signed_in
        with db.session() as session:  # the refusal's audit entry is kept: no exception leaves
            try:
                download = board.dashboard_download(
                    session, me.user_id, runtime.clock.now(), runtime.working_calendar()
                )
            except board.NotForYouError:
                download = None
        if download is None:
            return refuse("Not shown", NOT_FOR_YOU, 403)
        name, figures = download
        return Response(
            dashboard_csv(figures),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/cases/<reference>/documents/<int:document_id>")
    @signed_in_only
    def document(reference: str, document_id: int) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        with db.session() as session:  # the refusal's audit entry is kept: no exception leaves
            try:
                found = portal_cases.case_for(session, reference, me.user_id, now)
            except portal_cases.NotShownError:
                found = None
            sealed = (
                documents.document_download(
                    session, runtime.cipher, found, document_id, me.user_id, now
                )
                if found is not None
                else None
            )
        if found is None:
            return refuse("Not shown", NOT_SHOWN, 403)
        if sealed is None:
            return refuse("No such document", "This case has no such document.", 404)
        return Response(
            sealed.content(),
            mimetype=sealed.content_type,
            headers={"Content-Disposition": f'attachment; filename="{sealed.filename}"'},
        )

    pages = Pages(page, refuse, _chrome, signed_in_only, PREFIX, NOT_SHOWN, people.names)
    register_case_forms(bp, runtime, pages)

    def details_form(
        token: str, link: PendingLink, values: dict[str, str], errors: dict[str, str]
    ) -> str:
        cal = runtime.working_calendar()
        form = DetailsForm(
            action=f"{PREFIX}/referrals/{token}",
            agency=link.agency,
            referral_date=date.fromisoformat(str(link.answers["referral_date"])),
            incident_date=date.fromisoformat(str(link.answers["incident_date"])),
            expires=cal.london_date(link.expires_at),
            values=values,
            errors=errors,
        )
        return render_details_form(_chrome(), form)

    def refuse_link(refused: RefusedError | None) -> Response:
        if isinstance(refused, pending.NotYoursError):
            return refuse("Not your referral", refused.message, 403)
        message = refused.message if refused else pending.LinkGoneError().message
        return refuse("Link no longer works", message, 410)

    @bp.get("/referrals/<token>")
    @signed_in_only
    def referral_details(token: str) -> Response:
        me: SignedIn = g.signed_in
        link = refused = None
        with db.session() as session:  # a refusal's audit entry is kept: no exception leaves
            try:
                link = pending.pending_for_link(session, token, me.user_id, runtime.clock.now())
            except RefusedError as exc:
                refused = exc
        if link is None:
            return refuse_link(refused)
        return page(details_form(token, link, {}, {}))

    @bp.post("/referrals/<token>")
    def referral_details_sent(token: str) -> Response:
        """Both parts in: the case opens (its set-up in Slack follows at once)."""
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        details, rows = referral_form.details_from(request.form)
        link = refused = None
        with db.session() as session:  # a refusal's audit entry is kept: no exception leaves
            try:
                link = pending.pending_for_link(session, token, me.user_id, now)
            except RefusedError as exc:
                refused = exc
        if link is None:
            return refuse_link(refused)
        try:
            with db.session() as session:
                opened = pending.complete_referral(
                    session,
                    token,
                    me.user_id,
                    details,
                    now=now,
                    cipher=runtime.cipher,
                    process_key=runtime.process_key,
                    cal=runtime.working_calendar(),
                )
        except (pending.NotYoursError, pending.LinkGoneError) as exc:
            return refuse_link(exc)
        except InvalidFormError as exc:
            errors = referral_form.on_form(exc.errors, rows)
            typed = referral_form.typed(request.form)
            return page(details_form(token, link, typed, errors), 422)
        except RefusedError as exc:
            return refuse("Referral refused", exc.message, 403)
        runtime.bell.ring()  # its set-up was queued with the case: the drain starts it now
        return page(
            render_message(
                f"{opened.reference} is open",
                f"Thank you: {opened.reference} is open. Its private channel is being set up in "
                "Slack, and the bot sends you its link there. The child's details are stored "
                "encrypted and are not posted to Slack.",
                chrome=_chrome(),
            )
        )

    return bp
