"""The security regression tests use the simpleprint fixtures (users of each group, a farm
history, deliveries)."""

from tests.simpleprint.conftest import (  # noqa: F401
    admin_api,
    administrator,
    api,
    deliver,
    farm_history,
    operator,
    operator_api,
    staff,
    staff_api,
    user,
    viewer,
)
