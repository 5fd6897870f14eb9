"""The member-centre port adds up the apps' ``me_links`` instead of letting the last app's win."""

from accounts import ports


def test_me_links_of_every_app_are_kept(monkeypatch, rf):
    monkeypatch.setattr(ports, "me_contexts", [
        lambda request, shop: {"me_links": [{"url": "/a/", "label": "甲"}], "identity": None},
        lambda request, shop: {"me_links": [{"url": "/b/", "label": "乙"}]},
        lambda request, shop: {"show_profile_url": "/p/"},
    ])  # fmt: skip
    context = ports.me_context(rf.get("/"), shop=None)
    assert [link["label"] for link in context["me_links"]] == ["甲", "乙"]
    assert context["identity"] is None and context["show_profile_url"] == "/p/"
