"""User media is served as the four image types only, with nosniff: never as HTML or SVG, whatever
is in the folder (files stored before the upload rule, or put there by hand)."""

import io
import os

import pytest
from django.conf import settings
from PIL import Image


def put(name: str, data: bytes) -> str:
    path = os.path.join(settings.MEDIA_ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return f"/media/{name}"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


PAYLOAD = b"<html><script>alert(document.domain)</script></html>"


@pytest.mark.parametrize(
    "name",
    ["after_sales/2026/01/x.html", "after_sales/2026/01/x.svg", "x.htm", "x.xhtml", "x.js", "x.txt", "x",
     "x.svgz", "x.xml", "x.PNG.html"],
)  # fmt: skip
def test_anything_but_an_image_is_not_served(client, db, name):
    url = put(name, png() + PAYLOAD)
    response = client.get(url)
    assert response.status_code == 404
    assert b"<script" not in response.content


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a.png", "image/png"), ("b.jpg", "image/jpeg"), ("c.JPEG", "image/jpeg"), ("d.webp", "image/webp"),
     ("e.gif", "image/gif")],
)  # fmt: skip
def test_images_are_served_with_their_type_and_nosniff(client, db, name, content_type):
    url = put(f"products/2026/01/{name}", png() + PAYLOAD)  # even a polyglot left from before
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_no_directory_listing_or_escape(client, db):
    put("products/a.png", png())
    assert client.get("/media/products/").status_code == 404
    assert client.get("/media/../pyproject.toml").status_code in {400, 404}
    assert client.get("/media/../catalog/../README.md").status_code in {400, 404}
