"""Chaos tests run real processes; the ones on the production stack need PostgreSQL (the test
database), nginx and a ``redis-server`` binary for a Redis of their own that they restart."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

needs_production_stack = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql" or not os.environ.get("TEST_REDIS_URL"),
                       reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
    pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("redis-server")),
                       reason="needs nginx and redis-server"),
]
