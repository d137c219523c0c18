"""The delivery builders of ``tests.payloads``, for a benchmark's own process (the load
generator).

Those builders reuse the service's sample helpers (``apps.simpleprint.events.samples``), which
import its models, so Django must be set up before they are imported. This module does that
once, on the embedded default's settings; the load generator never opens a database through
Django. Servers the benchmarks start get their environment explicitly (``tests.servers``,
``tests.stack``, ``bench.harness.django_env``), so nothing here reaches them.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()

from tests.payloads import FarmStory, farm_stream  # noqa: E402

__all__ = ["FarmStory", "farm_stream"]
