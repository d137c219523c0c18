"""The planning tests use the simpleprint fixtures (users, a farm history, deliveries)."""

from tests.simpleprint.conftest import (  # noqa: F401
    admin_api,
    administrator,
    api,
    deliver,
    farm_history,
    operator,
    staff,
    staff_api,
    user,
    viewer,
)
