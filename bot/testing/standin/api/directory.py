"""auth.test, team.info, users.* and usergroups.*: who is who in the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..args import Args, SlackError, paginate
from ..models import BOT_ID, JSON
from ..workspace import Workspace

if TYPE_CHECKING:
    from . import Handler

CHANNEL_TYPES = frozenset({"public_channel", "private_channel", "im", "mpim"})


def auth_test(ws: Workspace, a: Args) -> JSON:
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def team_info(ws: Workspace, a: Args) -> JSON:
    team = a.opt("team")
    if team is not None and team != ws.team_id:
        raise SlackError("team_not_found")
    return {
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "domain": ws.domain,
            "email_domain": "",
            "icon": {"image_default": True},
            "enterprise_id": None,
        }
    }


def users_info(ws: Workspace, a: Args) -> JSON:
    user = ws.users.get(a.text("user"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user.to_slack(ws.team_id)}


def lookup_by_email(ws: Workspace, a: Args) -> JSON:
    email = a.text("email").strip().lower()
    for user in ws.users.values():
        if user.email is not None and user.email.lower() == email:
            return {"user": user.to_slack(ws.team_id)}
    raise SlackError("users_not_found")


def users_list(ws: Workspace, a: Args) -> JSON:
    everyone = [u.to_slack(ws.team_id) for u in ws.users.values()]
    page, cursor = paginate(everyone, a, 1000)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def users_conversations(ws: Workspace, a: Args) -> JSON:
    user_id = a.opt("user") or ws.bot_user_id
    types = set(a.csv("types") or ["public_channel"])
    if not types <= CHANNEL_TYPES:
        raise SlackError("invalid_types", violation=f"types={sorted(types)}")
    found = []
    for channel in ws.channels.values():
        kind = "private_channel" if channel.is_private else "public_channel"
        visible = not channel.is_private or ws.bot_user_id in channel.members
        archived_out = channel.archived and a.flag("exclude_archived")
        if kind in types and visible and user_id in channel.members and not archived_out:
            found.append(ws.conversation_json(channel.id))
    if "im" in types:
        ims = ws.ims.items() if user_id == ws.bot_user_id else [(user_id, ws.ims.get(user_id))]
        found.extend(ws.conversation_json(c) for _, c in ims if c is not None)
    page, cursor = paginate(found, a)
    return {"channels": page, "response_metadata": {"next_cursor": cursor}}


def usergroups_list(ws: Workspace, a: Args) -> JSON:
    groups = []
    for group in ws.usergroups.values():
        if group["date_delete"] and not a.flag("include_disabled"):
            continue
        out = {k: v for k, v in group.items() if k != "users"}
        out["user_count"] = len(group["users"])
        if a.flag("include_users"):
            out["users"] = list(group["users"])
        groups.append(out)
    return {"usergroups": groups}


def usergroup_users(ws: Workspace, a: Args) -> JSON:
    group = ws.usergroups.get(a.text("usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group["users"])}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "team.info": team_info,
    "users.info": users_info,
    "users.lookupByEmail": lookup_by_email,
    "users.list": users_list,
    "users.conversations": users_conversations,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroup_users,
}
