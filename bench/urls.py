"""The project's URLs plus `/bench/floor/`: a bare DRF view that returns a constant, the floor
every endpoint's time is compared with. Used only by bench/run.py (bench.settings)."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class Floor(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("bench/floor/", Floor.as_view()),
    path("", include("config.urls")),
]
