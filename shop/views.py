from django.http import HttpResponse


def platform_home(request):
    return HttpResponse("WeiShop")


def page_not_found(request, exception=None):
    return HttpResponse("not found", status=404)
