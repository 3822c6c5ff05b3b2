from tests.policies.conftest import make_policy  # noqa: F401  (fixture)
from tests.tickets.conftest import clock, world  # noqa: F401  (fixtures)
