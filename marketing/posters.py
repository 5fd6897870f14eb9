"""Share posters (分享海报): one mobile-sized PNG with the photo, the title, the price, the shop's
verified name and a QR code of a signed link, drawn with Pillow.

``poster_png(...)`` is the one public entry point; group-buy and distribution call it for their
group and promoter posters, marketing's own pages for product posters. A poster is drawn once:
its bytes are cached under a key made of everything drawn on it (the shop's name and
verification, the title, price, photo file, link, subtitle, kind and the layout's version), so a
second call with the same content draws nothing, and any change (a new price, the shop's
verification, another shopper's referral link) is a new key. Callers that can avoid reading the
database on a repeat (the product poster pages) also cache in front of it by the storefront
version (``marketing.views``).

Chinese needs a CJK font: the Noto Sans CJK faces of Debian's ``fonts-noto-cjk`` (what
``.ci/run`` installs), another common CJK font, or ``WEISHOP_POSTER_FONT`` (a font file path).
Without any the poster is still drawn, with Pillow's built-in font, whose Chinese shows as boxes:
``cjk_font_path()`` says which font is in use (admin's first-steps check and the tests read it).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import segno
from django.conf import settings
from django.core.cache import cache
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from catalog.selectors import product_get_public
from core.money import format_yuan_range
from shop.cache import ENTRY_TTL, cache_key, storefront_version
from shop.models import Shop

logger = logging.getLogger(__name__)

PosterKind = Literal["product", "group", "promoter"]
KINDS: tuple[PosterKind, ...] = ("product", "group", "promoter")
WIDTH, HEIGHT = 750, 1334  # the common 9:16 share-poster size (a phone screen at 2x)
PHOTO = 750
FOOT = 260  # the foot under the text: shop, verification, QR code
LAYOUT_VERSION = "2"  # bump when the drawing changes: every cached poster is then drawn again
POSTER_TTL = 24 * 3600

BRAND = (228, 57, 60)
INK = (34, 34, 34)
MUTE = (136, 136, 136)
OK = (26, 155, 91)
WARN = (217, 138, 0)
LINE = (238, 238, 238)

# (file, face index in a collection): Noto Sans CJK's collections hold JP, KR, SC, TC, HK in that
# order, so Simplified Chinese is face 2.
FONT_CANDIDATES: dict[bool, tuple[tuple[str, int], ...]] = {
    False: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ),
    True: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf", 0),
    ),
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font_file(bold: bool) -> tuple[str, int] | None:
    configured = getattr(settings, "WEISHOP_POSTER_FONT", "")
    if configured and Path(configured).is_file():
        return configured, 0
    for path, index in (*FONT_CANDIDATES[bold], *FONT_CANDIDATES[False]):
        if Path(path).is_file():
            return path, index
    return None


def cjk_font_path() -> str | None:
    """The file Chinese text is drawn with, or None (Pillow's built-in font: boxes for Chinese)."""
    found = _font_file(False)
    return found[0] if found else None


@lru_cache(maxsize=32)
def _font(size: int, bold: bool = False) -> Font:
    found = _font_file(bold)
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            logger.warning("poster font %s cannot be opened; using Pillow's built-in font", found[0])
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class PosterContent:
    """Everything a poster shows: its cache key is made of exactly this."""

    kind: str
    shop_name: str
    verified: bool
    company_name: str
    title: str
    price: str
    subtitle: str
    image_name: str
    link: str

    def cache_key(self) -> str:
        text = "\x1f".join(map(str, (LAYOUT_VERSION, *astuple(self))))
        return "marketing:poster:" + hashlib.sha256(text.encode()).hexdigest()


def poster_content(
    *,
    shop: Shop,
    title: str,
    link: str,
    price_fen: int | None = None,
    price_max_fen: int | None = None,
    image: FieldFile | None = None,
    subtitle: str = "",
    kind: PosterKind = "product",
) -> PosterContent:
    if kind not in KINDS:
        raise ValueError(f"unknown poster kind {kind!r}")
    if not link:
        raise ValueError("a poster needs the link its QR code carries")
    price = format_yuan_range(price_fen, price_max_fen) if price_fen is not None else ""
    return PosterContent(
        kind=kind, shop_name=shop.name, verified=shop.is_verified, company_name=shop.company_name,
        title=title.strip(), price=price, subtitle=subtitle.strip(), image_name=(image.name or "") if image else "",
        link=link,
    )  # fmt: skip


def poster_png(
    *,
    shop: Shop,
    title: str,
    link: str,
    price_fen: int | None = None,
    price_max_fen: int | None = None,
    image: FieldFile | None = None,
    subtitle: str = "",
    kind: PosterKind = "product",
) -> bytes:
    """The poster as PNG bytes (750×1334), drawn once and then served from the cache.

    ``link`` is what the QR code opens: an absolute, signed link of ``shop`` (a product page with
    the sharer's ``?ref=``, a group's page, a promoter's link). ``image`` is a stored image file
    (a ``ProductImage.thumb_detail`` or ``image``, a shop logo); without one the photo area shows
    the shop's name. ``price_max_fen`` turns the price into a range (¥59–¥79). ``kind`` adds the
    group-buy (拼团) or recommendation (好友推荐) tag on the photo."""
    content = poster_content(
        shop=shop, title=title, link=link, price_fen=price_fen, price_max_fen=price_max_fen,
        image=image, subtitle=subtitle, kind=kind,
    )  # fmt: skip
    key = content.cache_key()
    png: bytes | None = cache.get(key)
    if png is None:
        png = _draw(content, image)
        cache.set(key, png, POSTER_TTL)
    return png


def qr_image(data: str, *, size: int, border: int = 2) -> Image.Image:
    """A QR code of ``data`` (error correction M), black on white, ``size`` pixels square: every
    module the same whole number of pixels, centred on a white square."""
    qr = segno.make(data, error="m")
    modules = qr.symbol_size(scale=1, border=border)[0]
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=max(1, size // modules), border=border)
    buffer.seek(0)
    with Image.open(buffer) as drawn:
        code = drawn.convert("RGB")
    if code.width > size:
        return code.resize((size, size), Image.Resampling.NEAREST)
    square = Image.new("RGB", (size, size), "white")
    offset = (size - code.width) // 2
    square.paste(code, (offset, offset))
    return square


def qr_card_png(*, data: str, title: str, caption: str = "", size: int = 900) -> bytes:
    """A printable QR code card: the code, then a title and a caption under it (a channel's QR
    for a counter, a flyer, an ad)."""
    margin = size // 12
    code_size = size - 2 * margin
    height = size + size // 4
    card = Image.new("RGB", (size, height), "white")
    card.paste(qr_image(data, size=code_size, border=1), (margin, margin))
    draw = ImageDraw.Draw(card)
    y = margin + code_size + size // 40
    for text, font, fill in ((title, _font(size // 18, bold=True), INK), (caption, _font(size // 30), MUTE)):
        if text:
            line = _fit_line(draw, text, font, size - 2 * margin)
            width = draw.textlength(line, font=font)
            draw.text(((size - width) / 2, y), line, font=font, fill=fill)
            y += int(_line_height(font) * 1.5)
    return _png(card)


# ---------------------------------------------------------------- drawing


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _line_height(font: Font) -> int:
    _left, top, _right, bottom = font.getbbox("国Ag")
    return int(bottom - min(top, 0)) + 4


def _fit_line(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float, *, cut: bool = False) -> str:
    """``text`` cut (with …) to fit ``width``; ``cut``: it goes on beyond, so it always ends in …."""
    if not cut and draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, max_lines: int) -> list[str]:
    """Chinese wraps anywhere, so lines are filled character by character (a Latin word is kept
    whole when it fits on a line); the last line ends in … when the text does not fit."""
    lines: list[str] = []
    line = ""
    tokens: list[str] = []
    word = ""
    for ch in text.replace("\n", " "):
        if ch.isascii() and ch.isalnum():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(ch)
    if word:
        tokens.append(word)
    for token in tokens:
        candidate = line + token
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while draw.textlength(line, font=font) > width:  # a very long word: split it
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit_line(draw, lines[max_lines - 1], font, width, cut=True)]
    return lines


def _photo(image: FieldFile | None) -> Image.Image | None:
    if not image:
        return None
    try:
        with image.open("rb") as f, Image.open(f) as opened:
            photo = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError):
        logger.warning("poster photo %s cannot be read; drawing without it", image.name)
        return None
    return ImageOps.fit(photo, (PHOTO, PHOTO), Image.Resampling.LANCZOS)


def _tag(kind: str) -> str:
    return {"group": _("拼团"), "promoter": _("好友推荐")}.get(kind, "")


def _hint(kind: str) -> str:
    """The footer's line beside the QR code: what scanning it does, in the poster's own words."""
    hints = {"group": _("长按识别二维码，和我一起拼团"), "promoter": _("长按识别二维码，进店逛逛")}
    return hints.get(kind) or _("长按识别二维码，进入店铺查看")


def _draw(content: PosterContent, image: FieldFile | None) -> bytes:
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(poster)
    photo = _photo(image)
    if photo is not None:
        poster.paste(photo, (0, 0))
    else:  # the shop's name on a soft block instead of a photo
        draw.rectangle((0, 0, PHOTO, PHOTO), fill=(250, 236, 236))
        font = _font(64, bold=True)
        name = _fit_line(draw, content.shop_name, font, PHOTO - 120)
        draw.text(
            ((PHOTO - draw.textlength(name, font=font)) / 2, PHOTO / 2 - 40), name, font=font, fill=BRAND
        )
    if tag := _tag(content.kind):
        font = _font(30, bold=True)
        width = draw.textlength(tag, font=font)
        draw.rounded_rectangle((30, 30, 30 + width + 40, 30 + 54), radius=27, fill=BRAND)
        draw.text((50, 37), tag, font=font, fill="white")

    x, y, text_width = 40, PHOTO + 24, WIDTH - 80
    if content.price:
        font = _font(56, bold=True)
        draw.text((x, y), content.price, font=font, fill=BRAND)
        y += _line_height(font) + 4
    title_font = _font(36, bold=True)
    for line in _wrap(draw, content.title, title_font, text_width, 2):
        draw.text((x, y), line, font=title_font, fill=INK)
        y += _line_height(title_font)
    if content.subtitle:
        font = _font(26)
        draw.text((x, y + 2), _fit_line(draw, content.subtitle, font, text_width), font=font, fill=MUTE)

    # The foot: who sells it (verified or not, honestly) and the QR code of the signed link.
    top = HEIGHT - FOOT
    draw.line((40, top, WIDTH - 40, top), fill=LINE, width=2)
    qr_size = 200
    qr_x, qr_y = WIDTH - 40 - qr_size, top + 30
    poster.paste(qr_image(content.link, size=qr_size, border=1), (qr_x, qr_y))
    left_width = qr_x - 40 - 30
    font = _font(32, bold=True)
    y = top + 34
    draw.text((40, y), _fit_line(draw, content.shop_name, font, left_width), font=font, fill=INK)
    y += _line_height(font) + 16
    badge_font = _font(24, bold=True)
    badge = _("已认证") if content.verified else _("未认证")
    color = OK if content.verified else WARN
    badge_width = draw.textlength(badge, font=badge_font)
    draw.rounded_rectangle((40, y, 40 + badge_width + 24, y + 38), radius=19, outline=color, width=2)
    draw.text((52, y + 3), badge, font=badge_font, fill=color)
    small = _font(24)
    detail = content.company_name if content.verified else _("平台尚未核验经营主体")
    detail_x = 40 + int(badge_width) + 36
    if detail:
        draw.text(
            (detail_x, y + 4), _fit_line(draw, detail, small, qr_x - 30 - detail_x), font=small, fill=MUTE
        )
    y += 38 + 28
    hint_font = _font(26)
    for line in _wrap(draw, _hint(content.kind), hint_font, left_width, 2):
        draw.text((40, y), line, font=hint_font, fill=MUTE)
        y += _line_height(hint_font) + 4
    return _png(poster)


# ---------------------------------------------------------------- product posters


def product_poster_png(*, shop: Shop, product_id: int, link: str) -> bytes:
    """A product on shelf's poster with ``link`` in its QR code (``NotFoundError`` otherwise).

    Looked up first under the shop's storefront version (``shop.cache``), which any change to the
    product moves on: a repeat costs two cache reads and no query; the poster itself is drawn only
    when its content is new (``poster_png``)."""
    pointer = cache_key(shop.slug, storefront_version(shop.slug), "poster", str(product_id), link)
    content_key: str | None = cache.get(pointer)
    png: bytes | None = cache.get(content_key) if content_key else None
    if png is None:
        product = product_get_public(shop=shop, product_id=product_id)
        first = next(iter(product.images.all()), None)
        image = (first.thumb_detail or first.image) if first is not None else None
        png = poster_png(
            shop=shop, title=product.title, link=link, price_fen=product.price_min_fen,
            price_max_fen=product.price_max_fen, image=image, subtitle=product.subtitle,
        )  # fmt: skip
        content = poster_content(
            shop=shop, title=product.title, link=link, price_fen=product.price_min_fen,
            price_max_fen=product.price_max_fen, image=image, subtitle=product.subtitle,
        )  # fmt: skip
        cache.set(pointer, content.cache_key(), ENTRY_TTL)
    return png
