"""distribution's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import path

from distribution import api

PROMOTER = "shops/<slug:shop_slug>/promoter/"

urlpatterns = [
    path(PROMOTER, api.PromoterCentreView.as_view(), name="api-promoter"),
    path(f"{PROMOTER}apply/", api.PromoterApplyView.as_view(), name="api-promoter-apply"),
    path(f"{PROMOTER}link/", api.PromoterLinkView.as_view(), name="api-promoter-link"),
    path(f"{PROMOTER}poster/", api.PromoterPosterView.as_view(), name="api-promoter-poster"),
    path(f"{PROMOTER}ledger/", api.PromoterLedgerView.as_view(), name="api-promoter-ledger"),
    path(f"{PROMOTER}customers/", api.PromoterCustomersView.as_view(), name="api-promoter-customers"),
    path(f"{PROMOTER}withdrawals/", api.PromoterWithdrawalsView.as_view(), name="api-promoter-withdrawals"),
    path(
        f"{PROMOTER}withdrawals/check/",
        api.PromoterWithdrawalCheckView.as_view(),
        name="api-promoter-withdrawal-check",
    ),
    path(
        f"{PROMOTER}withdrawals/cancel/",
        api.PromoterWithdrawalCancelView.as_view(),
        name="api-promoter-withdrawal-cancel",
    ),
]
