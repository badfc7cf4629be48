"""kneeapp's URLs plus a bare JSON view: the framework's floor, through the same middleware."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})


urlpatterns = [
    path("bench/hello/", hello, name="bench-hello"),
    path("", include("kneeapp.urls")),
]
