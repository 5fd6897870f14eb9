import pytest
from tests.factories import make_product, product_with_matrix, add_image

URLS = [
 "/api/v1/shops/shop-a/products/?category=²",
 "/api/v1/shops/shop-a/products/?category=99999999999999999999999",
 "/api/v1/shops/shop-a/products/?category=0",
 "/api/v1/shops/shop-a/products/?page_size=²",
 "/api/v1/shops/shop-a/products/?page=²",
 "/api/v1/shops/shop-a/products/?page=99999999999999999999999",
 "/api/v1/shops/shop-a/products/?page=0",
 "/api/v1/shops/shop-a/products/?page=-1",
 "/api/v1/shops/shop-a/products/99999999999999999999999/",
 "/api/v1/shops/shop-a/products/99999999999999999999999/sku/?spec_values=1,2",
 "/api/v1/shops/shop-a/products/PID/sku/?spec_values=²,1",
 "/api/v1/shops/shop-a/products/PID/sku/?spec_values=99999999999999999999999,1",
 "/api/v1/shops/shop-a/products/PID/sku/?spec_values=1,,2",
 "/api/v1/shops/shop-a/products/PID/sku/?spec_values=1,1",
 "/api/v1/shops/shop-a/products/?q=" + "a"*200,
 "/api/v1/shops/shop-a/products/?ordering=",
 "/api/v1/shops/shop-a/products/?category=",
 "/api/v1/shops/shop-a/products/?ordering=new&ordering=bad",
 "/api/v1/shops/" + "a"*300 + "/",
]

def test_probe(client, shop_a):
    client.raise_request_exception = False
    p = product_with_matrix(shop=shop_a)
    for u in URLS:
        u = u.replace("PID", str(p.pk))
        r = client.get(u)
        print(r.status_code, u[:90], r.content[:200].decode(errors="replace"))
