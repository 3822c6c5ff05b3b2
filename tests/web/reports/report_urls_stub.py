"""The project's URLs plus stand-ins for the queue and the ticket page (built on another
branch), so that the dashboard's links can be checked here. The real pages win once merged."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def _stub(request, *args):  # type: ignore[no-untyped-def]
    return HttpResponse("stub")


urlpatterns = [
    *project_urlpatterns,
    path("work/", _stub, name="work-queue"),
    path("tickets/<str:number>/", _stub, name="ticket-page"),
]
