"""The demo's web side: the case room signed into through the stand-in's Sign in with Slack
page, the referral's details entered on its form, and the dashboard and a case page written
as HTML files that open offline. Then the check that no Slack call carried the child."""

from __future__ import annotations

import http.client
import json
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from bot.portal.app import STATIC
from bot.services.cases.access import case_by_reference
from bot.services.cases.documents import case_documents, document_download
from bot.testing.harness import Harness
from bot.testing.standin import SlackStandIn
from bot.testing.standin.models import RecordedCall

PUBLIC_URL = "https://case-room.demo"
STYLESHEET = "portal.css"
BOARD_VIEWER = "U0ADMIN"
"""Who the demo signs in to see the dashboard and the case page: the business unit."""


class ChildInSlackError(RuntimeError):
    """A Slack call carried one of the child's details. The message names the call, never
    the value."""


class _Browser(FlaskClient):
    """A browser at the case room's public (https) address, so Secure cookies come back."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", PUBLIC_URL)
        return super().open(*args, **kwargs)


def _authorize(url: str, user_id: str) -> str:
    """The stand-in's authorize page, signing ``user_id`` in: where it sends the browser."""
    parts = urlsplit(f"{url}&login_hint={user_id}")
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location")
    finally:
        conn.close()
    if response.status != 302 or not location:
        raise RuntimeError(f"the Sign in with Slack page answered {response.status}")
    back = urlsplit(location)
    return f"{back.path}?{back.query}"


def signed_in(flask_app: Flask, user_id: str) -> FlaskClient:
    """A browser signed in as ``user_id``: `/portal/login`, the stand-in's authorize page,
    then the case room's callback."""
    browser = _Browser(flask_app, flask_app.response_class, use_cookies=True)
    start = browser.get("/portal/login", query_string={"next": "/portal/"})
    if start.status_code != 302:
        raise RuntimeError(f"/portal/login answered {start.status_code}")
    done = browser.get(_authorize(start.headers["Location"], user_id))
    if done.status_code != 302:
        raise RuntimeError(f"the sign-in callback answered {done.status_code}")
    return browser


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if found is None:
        raise RuntimeError("the form has no CSRF token")
    return found[1]


def enter_details(browser: FlaskClient, link: str, details: dict[str, str]) -> str:
    """Fills in the referral's web form at ``link``; the page's answer as text."""
    form = browser.get(link)
    if form.status_code != 200:
        raise RuntimeError(f"the details form answered {form.status_code}")
    sent = browser.post(link, data={**details, "csrf_token": _csrf(form.text)})
    if sent.status_code != 200:
        raise RuntimeError(f"the details form refused the answers ({sent.status_code})")
    return sent.text


def link_in(answer: dict[str, Any]) -> str:
    """The one-time link's path in the modal's answer to the referral's Slack part."""
    found = re.search(r"/portal/referrals/[A-Za-z0-9_\-]+", json.dumps(answer))
    if found is None:
        raise RuntimeError("the referral's Slack part gave no link to the details form")
    return found[0]


def write_pages(browser: FlaskClient, reference: str, folder: Path) -> list[Path]:
    """The dashboard and the case's page as HTML files, with the stylesheet beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(STATIC / STYLESHEET, folder / STYLESHEET)
    written = []
    for path, name in (
        ("/portal/dashboard", "dashboard.html"),
        (f"/portal/cases/{reference}", f"{reference.lower()}.html"),
    ):
        page = browser.get(path)
        if page.status_code != 200:
            raise RuntimeError(f"{path} answered {page.status_code}")
        html = page.text.replace(f"/portal/static/{STYLESHEET}", STYLESHEET)
        (folder / name).write_text(html, encoding="utf-8")
        written.append(folder / name)
    return written


def kept_files(harness: Harness, reference: str, user_id: str) -> list[tuple[str, bytes]]:
    """The documents the case room keeps for ``reference`` (with the case room on, they are
    not uploaded into Slack), oldest version first, each download audited for ``user_id``."""
    now = harness.clock.now()
    found = []
    with harness.runtime.db.session() as session:
        case = case_by_reference(session, reference)
        if case is None:
            return []
        for listing in reversed(case_documents(session, case.id)):
            sealed = document_download(
                session, harness.runtime.cipher, case, listing.id, user_id, now
            )
            if sealed is not None:
                found.append(sealed)
    return [(sealed.filename, sealed.content()) for sealed in found]


def check_no_child_in_slack(calls: Sequence[RecordedCall], values: Iterable[str]) -> int:
    """Raises `ChildInSlackError` if any call's arguments hold one of ``values`` (compared
    without regard to case); returns how many calls were checked."""
    needles = [v.casefold() for v in values if v.strip()]
    for index, call in enumerate(calls):
        text = json.dumps(call.args, default=str).casefold()
        if any(needle in text for needle in needles):
            raise ChildInSlackError(
                f"Slack call {index} ({call.method}) carried one of the child's details"
            )
    return len(calls)


def portal_settings(standin: SlackStandIn) -> dict[str, Any]:
    """The settings that turn the case room on against the stand-in's OpenID endpoints."""
    return {
        "SCR_PUBLIC_URL": PUBLIC_URL,
        "SLACK_CLIENT_ID": standin.oidc_client_id,
        "SLACK_CLIENT_SECRET": standin.oidc_client_secret,
    }
