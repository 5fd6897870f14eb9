"""URL map: H5 shop pages under /s/<shop>/, merchant admin, the mini-program API and its docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts import views as account_views
from core.api.views import NoncedSwaggerView, OfflineRedocView
from core.uploads import serve_media
from orders.webhooks import tracking_push
from payments import views as payment_views
from shop import health, signup, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", views.platform_home, name="platform-home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("merchant/signup/", signup.merchant_signup, name="merchant-signup"),
    path("accounts/login/", account_views.shopper_login, name="shopper-login"),
    path("accounts/login/code/", account_views.shopper_login_code, name="shopper-login-code"),
    path("accounts/logout/", account_views.shopper_logout, name="shopper-logout"),
    path("accounts/erased/", account_views.account_erased, name="account-erased"),
    path("s/<slug:shop_slug>/", include(("config.urls_h5", "h5"))),
    path("admin/", admin.site.urls),
    path("webhooks/tracking/<slug:shop_slug>/", tracking_push, name="tracking-push"),
    path("payments/wechat/notify/<slug:shop_slug>/", payment_views.wechat_notify, name="wechat-notify"),
    path("wechat/", include("wechat.urls")),
    path("api/v1/", include("config.urls_api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", NoncedSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", OfflineRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# The local simulators of WeChat's servers (devtools/), only while they are on (config/settings.py).
if settings.WECHATPAY_SIMULATOR:
    urlpatterns += [path("wechatpay-sim/", include("devtools.wechatpay_sim.urls"))]
if settings.WECHAT_SIMULATOR:
    urlpatterns += [path("wechat-sim/", include("devtools.wechat_sim.urls"))]

if settings.SERVE_MEDIA:
    # Small deployments serve uploaded images from Django; larger ones let nginx do it (docs/deployment.md).
    # Only the four image types, with nosniff and a sandboxing CSP (core.uploads.serve_media).
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media, name="media")]

handler404 = "shop.views.page_not_found"
handler500 = "shop.health.server_error"
