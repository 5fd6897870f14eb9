from django.http import HttpResponse


def merchant_signup(request):
    return HttpResponse("todo")
