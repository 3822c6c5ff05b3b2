from tests.notifications.conftest import _notification_settings, published  # noqa: F401  (fixtures)
from tests.tickets.conftest import clock, file_ticket, world  # noqa: F401  (fixtures)
