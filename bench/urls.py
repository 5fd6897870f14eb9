from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    """The baseline: a Django view that returns a small JSON document and touches nothing else."""
    return JsonResponse({"ok": True, "items": [{"id": i, "price_fen": 5900} for i in range(3)]})


urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]
