"""Posters (marketing/posters.py): a 750×1334 PNG with the photo, title, price, the shop's verified
name and a QR code of the link, drawn once and then served from the cache."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from marketing import posters
from shop.models import Shop
from tests.factories import add_image, make_product

LINK = "https://shop.example.com/s/shop-a/p/1/"


@pytest.fixture
def draws(monkeypatch):
    """How many posters were really drawn (a spy around the drawing, which still runs)."""
    calls: list[posters.PosterContent] = []
    real = posters._draw

    def spy(content, image):
        calls.append(content)
        return real(content, image)

    monkeypatch.setattr(posters, "_draw", spy)
    return calls


def png_of(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data))


def test_a_poster_is_a_mobile_sized_png(shop_a, draws):
    data = posters.poster_png(shop=shop_a, title="纯棉T恤 男女同款", price_fen=5900, link=LINK)
    image = png_of(data)
    assert image.size == (posters.WIDTH, posters.HEIGHT) == (750, 1334)
    assert len(draws) == 1 and draws[0].price == "¥59" and draws[0].title == "纯棉T恤 男女同款"


def test_a_second_call_with_the_same_content_draws_nothing(shop_a, draws):
    first = posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK)
    assert posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK) == first
    assert len(draws) == 1
    # anything drawn on it is part of the key: another price, link, kind or the shop's verification
    posters.poster_png(shop=shop_a, title="T恤", price_fen=4900, link=LINK)
    posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK + "?ref=x")
    posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK, kind="group")
    shop_a.verification = Shop.Verification.VERIFIED
    posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK)
    assert len(draws) == 5


def test_the_photo_and_the_verified_name_are_drawn(shop_a, draws):
    product = make_product(shop=shop_a, title="T恤")
    image = add_image(product, color=(20, 40, 200))
    shop_a.verification = Shop.Verification.VERIFIED
    data = posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, image=image.thumb_detail, link=LINK)
    assert draws[0].verified and draws[0].company_name == "示例商贸有限公司"
    assert draws[0].image_name == image.thumb_detail.name
    with_photo = png_of(data).convert("RGB")
    without = png_of(posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK)).convert("RGB")
    assert with_photo.getpixel((375, 200)) != without.getpixel((375, 200))  # the photo, not the name block
    # the foot (shop name, badge, QR code) is the same on both
    assert with_photo.crop((0, 1100, 750, 1334)).tobytes() == without.crop((0, 1100, 750, 1334)).tobytes()


def test_an_unreadable_photo_still_gives_a_poster(shop_a, draws):
    product = make_product(shop=shop_a, title="T恤")
    image = add_image(product)
    image.thumb_detail.storage.delete(image.thumb_detail.name)
    assert png_of(posters.poster_png(shop=shop_a, title="T恤", image=image.thumb_detail, link=LINK))


def test_without_a_cjk_font_the_poster_is_still_drawn(shop_a, monkeypatch, settings, draws):
    settings.WEISHOP_POSTER_FONT = ""
    monkeypatch.setattr(posters, "FONT_CANDIDATES", {False: (("/nonexistent.ttc", 0),), True: ()})
    posters._font.cache_clear()
    try:
        assert posters.cjk_font_path() is None
        assert png_of(posters.poster_png(shop=shop_a, title="T恤", link=LINK)).size == (750, 1334)
    finally:
        posters._font.cache_clear()


def test_the_installed_noto_cjk_font_is_used_when_present():
    path = posters.cjk_font_path()
    if path is None:
        pytest.skip("no CJK font installed (Debian's fonts-noto-cjk; .ci/run installs it)")
    assert "CJK" in path or "wqy" in path or "Droid" in path


def test_long_titles_wrap_to_two_lines_with_an_ellipsis():
    from PIL import ImageDraw

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = posters._font(36, bold=True)
    lines = posters._wrap(
        draw, "新疆长绒棉纯棉T恤 男女同款 宽松短袖 夏季新款 圆领打底衫 加大码 再来一行再来一行", font, 500, 2
    )
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(draw.textlength(line, font=font) <= 500 for line in lines)
    assert posters._wrap(draw, "短标题", font, 670, 2) == ["短标题"]


def test_bad_arguments_are_programming_errors(shop_a):
    with pytest.raises(ValueError):
        posters.poster_png(shop=shop_a, title="T恤", link=LINK, kind="flyer")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        posters.poster_png(shop=shop_a, title="T恤", link="")


def test_qr_cards_are_printable_pngs():
    card = png_of(posters.qr_card_png(data=LINK, title="朋友圈 · 双十二", caption="甲店"))
    assert card.width == 900 and card.height > 900
    code = posters.qr_image(LINK, size=300)
    assert code.size == (300, 300) and code.getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("kind", "hint"),
    [("group", "长按识别二维码，和我一起拼团"), ("promoter", "长按识别二维码，进店逛逛"),
     ("product", "长按识别二维码，进入店铺查看")],
)  # fmt: skip
def test_the_footer_hint_fits_the_kind_of_poster(shop_a, monkeypatch, kind, hint):
    from PIL import ImageDraw

    drawn: list[str] = []
    real = ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return real(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    posters.poster_png(shop=shop_a, title="T恤", price_fen=5900, link=LINK, kind=kind)
    assert hint in "".join(drawn)  # (it may wrap over two lines)
    hints = {"长按识别二维码，和我一起拼团", "长按识别二维码，进店逛逛", "长按识别二维码，进入店铺查看"}
    assert not any(other in "".join(drawn) for other in hints - {hint})
