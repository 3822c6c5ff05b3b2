"""The REST API router: every viewset of /api/v1/ is registered here."""

from rest_framework.routers import DefaultRouter

from servicedesk.api import accounts
from servicedesk.api import views as org

# No `.json` suffix routes: they reached the @action methods with a `format` argument they do
# not take (a 500); `?format=` and the Accept header choose the representation instead.
router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("auth/tokens", accounts.ApiTokenViewSet, basename="api-token-own")
router.register("users", org.UserViewSet, basename="user")
router.register("parks", org.ParkViewSet, basename="park")
router.register("departments", org.DepartmentViewSet, basename="department")
router.register("enterprises", org.EnterpriseViewSet, basename="enterprise")
router.register("service-items", org.ServiceItemViewSet, basename="service-item")

from tickets import api as tickets  # noqa: E402
from triage import api as triage_api  # noqa: E402

# before the tickets: `tickets/similar/` must not be read as the ticket with the id "similar"
router.register("tickets", triage_api.SimilarTicketViewSet, basename="ticket-similar")
router.register("triage", triage_api.TriageViewSet, basename="triage")

router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("extensions", tickets.ExtensionViewSet, basename="extension")
router.register("assists", tickets.AssistViewSet, basename="assist")

from notifications import api as notifications  # noqa: E402

router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("robots", notifications.GroupRobotViewSet, basename="robot")

from tickets import supervision_api  # noqa: E402

router.register("supervision-orders", supervision_api.SupervisionOrderViewSet, basename="supervision-order")

from visits import api as visits_api  # noqa: E402

router.register("visits", visits_api.VisitViewSet, basename="visit")

from reports import api as reports_api  # noqa: E402

router.register("reports", reports_api.ReportViewSet, basename="report")

from knowledge import api as knowledge_api  # noqa: E402

router.register("articles", knowledge_api.ArticleViewSet, basename="article")

from replies import api as replies_api  # noqa: E402

router.register("replies", replies_api.CannedReplyViewSet, basename="canned-reply")

from policies import api as policies_api  # noqa: E402

router.register("policies", policies_api.PolicyViewSet, basename="policy")
router.register("enterprises", policies_api.EnterprisePolicyViewSet, basename="enterprise-policies")

from subscriptions import api as subscriptions_api  # noqa: E402

router.register("report-subscriptions", subscriptions_api.ReportSubscriptionViewSet, basename="report-subscription")
