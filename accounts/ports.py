"""Ports of ``accounts`` that an app above it fills in its ``AppConfig.ready()``
(docs/architecture.md#layers-and-ports): the login page and the member centre show what an
identity provider (wechat) adds, without accounts importing it.

- **Login links** (``login_link_register``): ``fn(request, next_path) -> url`` — a one-tap sign-in
  offered on the phone login page ("" when it does not apply). The first non-empty one is shown.
- **Login hooks** (``login_hook_register``): ``fn(*, session_key, user)`` — called after a shopper
  logs in on a browser that had an anonymous session (orders: ``cart_merge_session`` moves the
  session's cart into theirs), in registration order.
- **Member-centre sections** (``me_context_register``): ``fn(request, shop) -> dict`` — context for
  ``accounts/me.html`` (wechat: ``identity``, ``show_profile_url``), merged in registration order;
  ``me_links`` (``[{"url", "label"}]``: an app's entries in the page's list, e.g. groupbuy's 我的拼团,
  distribution's 推广中心) are added up, never replaced.
- **Privacy** (``privacy_register``): every app that holds a shopper's data says, in its
  ``ready()``, how to export it (``export(user, shop) -> dict``: what it holds about them in that
  shop, under Chinese keys), how to erase it (``erase(user) -> None``: run inside the account
  deletion's transaction, the user's row locked) and, optionally, what makes deletion wait
  (``block(user) -> str | None``: a Chinese reason, e.g. an unfinished order). ``accounts.privacy``
  runs them (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

LoginLink = Callable[[HttpRequest, str], str]
MeContext = Callable[[HttpRequest, Any], dict[str, Any]]

LoginHook = Callable[..., object]

login_hooks: list[LoginHook] = []
login_links: list[LoginLink] = []
me_contexts: list[MeContext] = []


def login_hook_register(fn: LoginHook) -> None:
    if fn not in login_hooks:
        login_hooks.append(fn)


def login_hooks_run(*, session_key: str, user: Any) -> None:
    for fn in login_hooks:
        fn(session_key=session_key, user=user)


def login_link_register(fn: LoginLink) -> None:
    if fn not in login_links:
        login_links.append(fn)


def me_context_register(fn: MeContext) -> None:
    if fn not in me_contexts:
        me_contexts.append(fn)


def login_link(request: HttpRequest, next_path: str) -> str:
    for fn in login_links:
        if url := fn(request, next_path):
            return url
    return ""


def me_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    links: list[dict[str, str]] = []
    for fn in me_contexts:
        found = dict(fn(request, shop))
        links.extend(found.pop("me_links", []))
        context.update(found)
    return {**context, "me_links": links}


# ---------------------------------------------------------------- privacy (docs/privacy.md)

PrivacyExport = Callable[[Any, Any], dict[str, Any]]  # (user, shop) -> their data in that shop
PrivacyErase = Callable[[Any], None]  # (user) -> None, inside the deletion's transaction
PrivacyBlock = Callable[[Any], "str | None"]  # (user) -> why deletion must wait, or None


@dataclass(frozen=True)
class PrivacyHandler:
    """What one app does for a shopper's privacy. ``section`` is the export's key for the app's part
    (a Chinese word: 订单, 优惠券); ``export`` and ``erase`` may be left out by an app that holds
    nothing to export, or nothing beyond what the scrubbed user row already anonymises."""

    app: str
    section: str | Promise
    export: PrivacyExport | None = None
    erase: PrivacyErase | None = None
    block: PrivacyBlock | None = None


privacy_handlers: list[PrivacyHandler] = []


def privacy_register(
    app: str,
    *,
    section: str | Promise,
    export: PrivacyExport | None = None,
    erase: PrivacyErase | None = None,
    block: PrivacyBlock | None = None,
) -> None:
    """Register (or, for the same ``app``, replace) an app's privacy handler. Exports are put
    together in registration order (INSTALLED_APPS order); erasers run in the reverse order, the
    apps above first, so that an app can still read what it needs of the apps below it (crm reads
    wechat's identities to find a follower's profile) before they erase theirs."""
    handler = PrivacyHandler(app=app, section=section, export=export, erase=erase, block=block)
    for i, found in enumerate(privacy_handlers):
        if found.app == app:
            privacy_handlers[i] = handler
            return
    privacy_handlers.append(handler)
