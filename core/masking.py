"""How a shopper's phone number, address and name are shown wherever they are not needed in full
(docs/privacy.md#masking): every admin list and search result, every CSV export, every API list a
merchant or a promoter reads, a group's page. The full values are shown only where a parcel needs
them: the order's own page in admin, its shipping step and its packing slip (and to the shopper
themselves).

One place, so every list masks the same way:

- ``mask_phone("13812348000")`` → ``138****8000`` (the first 3 and the last 4 digits);
- ``mask_address(province="广东省", city="深圳市", rest="南山区科技园 1 号")`` → ``广东省深圳市****``
  (the province and the city are kept: a merchant sees where orders go, never to whose door);
- ``mask_name("张三丰")`` → ``张**`` (the first character).
"""

from __future__ import annotations

MASK = "****"


def mask_phone(phone: str | None) -> str:
    """13812348000 → 138****8000; a number too short to keep 7 digits of is all stars; "" stays ""."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) < 8:
        return MASK
    return f"{phone[:3]}{MASK}{phone[-4:]}"


def mask_address(*, province: str | None, city: str | None = "", rest: str | None = "") -> str:
    """The province and the city, then ``****`` for whatever followed them (district, street, door).
    A municipality's city is not repeated (上海市****, not 上海市上海市****)."""
    province = (province or "").strip()
    city = (city or "").strip()
    region = province + ("" if city == province else city)
    if (rest or "").strip():
        return f"{region}{MASK}"
    return region


def mask_name(name: str | None) -> str:
    """A person as others see them: the first character and two stars (张** / m**); "**" for none."""
    name = (name or "").strip()
    return f"{name[:1]}**" if name else "**"
