"""The API docs pages fetch nothing from outside our server (no CDN: they must work offline)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/"])
def test_api_docs_fetch_nothing_from_outside(browser, live_server, path):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    fetched, blocked = [], set()
    page.on("request", lambda request: fetched.append(request.url))
    # A request the page's Content-Security-Policy stops never leaves the browser.
    page.on("requestfailed", lambda r: r.failure in ("csp", "net::ERR_BLOCKED_BY_CSP") and blocked.add(r.url))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("text=WeiShop API", timeout=15000)
    page.wait_for_timeout(1000)
    outside = [
        u for u in fetched if not u.startswith((live_server.url, "data:", "blob:")) and u not in blocked
    ]
    assert outside == [], outside
    assert any(url.endswith(".js") for url in fetched)  # the docs' own scripts came from us
    context.close()
