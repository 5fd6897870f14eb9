"""/api/v1/: the mini-program's API. Every path is scoped by the shop's handle."""

from django.urls import URLPattern, URLResolver, path

from accounts import api as accounts_api
from catalog import api as catalog_api
from orders import api as orders_api
from payments import api as payments_api
from promotions import api as promotions_api
from wechat import api as wechat_api

SHOP = "shops/<slug:shop_slug>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/miniprogram", wechat_api.MiniProgramLoginView.as_view(), name="api-auth-miniprogram"),
    path("auth/miniprogram/phone", wechat_api.MiniProgramPhoneView.as_view(), name="api-auth-phone"),
    path("me/", wechat_api.MeView.as_view(), name="api-me"),
    path("regions/", accounts_api.RegionListView.as_view(), name="api-regions"),
    path("regions/match/", accounts_api.RegionMatchView.as_view(), name="api-regions-match"),
    path("addresses/", accounts_api.AddressListView.as_view(), name="api-addresses"),
    path("addresses/<int:address_id>/", accounts_api.AddressDetailView.as_view(), name="api-address"),
    path("me/erase/", accounts_api.AccountEraseView.as_view(), name="api-account-erase"),
    path(f"{SHOP}me/data/", accounts_api.PrivacyDataView.as_view(), name="api-privacy-data"),
    path(f"{SHOP}uploads/photos/", accounts_api.PhotoUploadView.as_view(), name="api-photo-uploads"),
    path(f"{SHOP}cart/", orders_api.CartView.as_view(), name="api-cart"),
    path(f"{SHOP}cart/items/", orders_api.CartItemsView.as_view(), name="api-cart-items"),
    path(f"{SHOP}cart/items/<int:item_id>/", orders_api.CartItemView.as_view(), name="api-cart-item"),
    path(f"{SHOP}checkout/preview/", orders_api.CheckoutPreviewView.as_view(), name="api-checkout-preview"),
    path(f"{SHOP}coupons/", promotions_api.ClaimableCouponsView.as_view(), name="api-coupons"),
    path(f"{SHOP}coupons/mine/", promotions_api.MyCouponsView.as_view(), name="api-coupons-mine"),
    path(
        f"{SHOP}coupons/<int:coupon_id>/claim/",
        promotions_api.CouponClaimView.as_view(),
        name="api-coupon-claim",
    ),
    path(
        f"{SHOP}red-packets/<str:token>/open/",
        promotions_api.RedPacketOpenView.as_view(),
        name="api-red-packet-open",
    ),
    path(f"{SHOP}subscriptions/", wechat_api.SubscriptionsView.as_view(), name="api-subscriptions"),
    path(f"{SHOP}share/", wechat_api.ShareView.as_view(), name="api-share"),
    path(f"{SHOP}orders/", orders_api.OrderListView.as_view(), name="api-orders"),
    path(f"{SHOP}orders/counts/", orders_api.OrderCountsView.as_view(), name="api-order-counts"),
    path(f"{SHOP}orders/<str:order_no>/", orders_api.OrderDetailView.as_view(), name="api-order"),
    path(
        f"{SHOP}orders/<str:order_no>/cancel/", orders_api.OrderCancelView.as_view(), name="api-order-cancel"
    ),
    path(
        f"{SHOP}orders/<str:order_no>/confirm-receipt/",
        orders_api.OrderConfirmView.as_view(),
        name="api-order-confirm",
    ),
    path(
        f"{SHOP}orders/<str:order_no>/after-sales/",
        orders_api.AfterSaleRequestView.as_view(),
        name="api-order-after-sale",
    ),
    path(
        f"{SHOP}orders/<str:order_no>/after-sales/<str:after_sale_no>/",
        orders_api.AfterSaleDetailView.as_view(),
        name="api-order-after-sale-detail",
    ),
    path(
        f"{SHOP}orders/<str:order_no>/after-sales/<str:after_sale_no>/return-shipment/",
        orders_api.AfterSaleReturnShipmentView.as_view(),
        name="api-order-after-sale-return-shipment",
    ),
    path(
        f"{SHOP}orders/<str:order_no>/payment/",
        payments_api.OrderPaymentView.as_view(),
        name="api-order-payment",
    ),
    path("shops/<slug:shop_slug>/", catalog_api.ShopDetailView.as_view(), name="api-shop"),
    path("shops/<slug:shop_slug>/home/", catalog_api.ShopHomeView.as_view(), name="api-shop-home"),
    path("shops/<slug:shop_slug>/categories/", catalog_api.CategoryTreeView.as_view(), name="api-categories"),
    path("shops/<slug:shop_slug>/products/", catalog_api.ProductListView.as_view(), name="api-products"),
    path(
        "shops/<slug:shop_slug>/products/<int:product_id>/",
        catalog_api.ProductDetailView.as_view(),
        name="api-product",
    ),
    path(
        "shops/<slug:shop_slug>/products/<int:product_id>/sku/",
        catalog_api.SkuLookupView.as_view(),
        name="api-product-sku",
    ),
]

from promotions.flash import api as flash_api  # noqa: E402

urlpatterns += [path(f"{SHOP}flash-sales/", flash_api.FlashSalesView.as_view(), name="api-flash-sales")]

# The social-selling apps (issue 12) list their own routes.
from django.urls import include  # noqa: E402

urlpatterns += [
    path("", include("marketing.urls_api")),
    path("", include("groupbuy.urls_api")),
    path("", include("distribution.urls_api")),
    path("", include("reviews.urls_api")),
    path("", include("complaints.urls_api")),
    path("", include("crm.urls_api")),
]
