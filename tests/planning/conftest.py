"""The planning tests use the simpleprint fixtures (users, a farm history, deliveries)."""

from tests.simpleprint.conftest import (  # noqa: F401
    api,
    deliver,
    farm_history,
    staff,
    staff_api,
    user,
)
