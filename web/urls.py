from django.urls import path

from . import views
from .work import orders
from .work import visits as work_visits

urlpatterns = [
    path("", views.home, name="home"),
    # the workspace beside the queue: 走访, 督办, 延期, 协办
    path("work/visits/", work_visits.visit_log, name="work-visits"),
    path("work/visits/new/", work_visits.visit_new, name="work-visit-new"),
    path("work/visits/new/problem/", work_visits.visit_problem_row, name="work-visit-problem-row"),
    path("work/visits/<int:visit_id>/", work_visits.visit_detail, name="work-visit-detail"),
    path("work/supervision/", orders.supervision_list, name="work-supervision"),
    path("work/supervision/<int:order_id>/", orders.supervision_detail, name="work-supervision-detail"),
    path("work/extensions/", orders.extension_list, name="work-extensions"),
    path("work/extensions/<int:extension_id>/", orders.extension_detail, name="work-extension-detail"),
    path("work/assists/", orders.assist_list, name="work-assists"),
    path("work/assists/<int:assist_id>/", orders.assist_detail, name="work-assist-detail"),
]
