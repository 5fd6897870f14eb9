"""A shop's H5 pages, mounted at /s/<shop_slug>/ with the namespace "h5"."""

from django.urls import URLPattern, URLResolver, path

from accounts import h5 as account_views
from catalog import views as catalog_views
from orders import views as order_views
from payments import h5 as payment_views
from promotions import views as promotion_views
from shop import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", catalog_views.home, name="home"),
    path("about/", views.about, name="about"),
    path("categories/", catalog_views.categories, name="categories"),
    path("c/<int:category_id>/", catalog_views.category, name="category"),
    path("search/", catalog_views.search, name="search"),
    path("p/<int:product_id>/", catalog_views.product, name="product"),
    path("cart/", order_views.cart, name="cart"),
    path("cart/add/", order_views.cart_add, name="cart-add"),
    path("cart/items/<int:item_id>/", order_views.cart_item, name="cart-item"),
    path("checkout/", order_views.checkout, name="checkout"),
    path("addresses/", order_views.addresses, name="addresses"),
    path("me/", account_views.me, name="me"),
    path("me/privacy/", account_views.privacy_page, name="privacy"),
    path("me/privacy/data/", account_views.privacy_data, name="privacy-data"),
    path("me/privacy/erase/", account_views.privacy_erase, name="privacy-erase"),
    path("coupons/", promotion_views.my_coupons, name="coupons"),
    path("coupons/choose/", promotion_views.coupon_choose, name="coupon-choose"),
    path("coupons/<int:coupon_id>/claim/", promotion_views.coupon_claim, name="coupon-claim"),
    path("red-packet/<str:token>/", promotion_views.red_packet, name="red-packet"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/<str:order_no>/", order_views.order_detail, name="order"),
    path("orders/<str:order_no>/after-sale/", order_views.after_sale_new, name="after-sale"),
    path(
        "orders/<str:order_no>/after-sales/<str:after_sale_no>/",
        order_views.after_sale_detail,
        name="after-sale-detail",
    ),
    path("orders/<str:order_no>/pay/", payment_views.pay, name="pay"),
    path("orders/<str:order_no>/pay/status/", payment_views.status, name="pay-status"),
]

from promotions.flash import views as flash_views  # noqa: E402

urlpatterns += [path("flash-sales/", flash_views.flash_sales, name="flash-sales")]

# The social-selling apps (issue 12) list their own routes.
from django.urls import include  # noqa: E402

urlpatterns += [
    path("", include("marketing.urls_h5")),
    path("", include("groupbuy.urls_h5")),
    path("", include("distribution.urls_h5")),
    path("", include("reviews.urls_h5")),
    path("", include("complaints.urls_h5")),
    path("", include("crm.urls_h5")),
]
