"""Whatever a browser sends the case room (query strings, cookies, forms, paths): never a 5xx,
and nothing opens a session or shows a case without signing in."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.portal.signin import LOGIN_COOKIE, SESSION_COOKIE
from storage.models import PortalSession
from tests.portal.helpers import HOST, client_of

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
PATHS = st.sampled_from(
    [
        "/portal/",
        "/portal/oidc/callback",
        "/portal/cases/SCR-2026-001",
        "/portal/cases/SCR-2026-001/chronology.csv",
        "/portal/login",
        "/portal/logout",
    ]
)


@FUZZ
@given(
    path=PATHS,
    method=st.sampled_from(["GET", "POST"]),
    query=st.dictionaries(st.sampled_from(["state", "code", "error", "next"]), TEXT, max_size=4),
    cookies=st.dictionaries(st.sampled_from([SESSION_COOKIE, LOGIN_COOKIE]), TEXT, max_size=2),
    form=st.dictionaries(st.sampled_from(["csrf_token", "x"]), TEXT, max_size=2),
)
def test_no_input_breaks_the_case_room(portal, path, method, query, cookies, form) -> None:
    client = client_of(portal)
    for name, value in cookies.items():
        client.set_cookie(name, value.encode("ascii", "ignore").decode(), domain=HOST)
    response = client.open(path, method=method, query_string=query, data=form or None)
    assert response.status_code < 500
    assert response.status_code != 200, "nothing is shown without signing in"
    with portal.runtime.db.session() as session:
        assert session.scalar(select(func.count(PortalSession.id))) == 0
