"""Prometheus metrics, computed at scrape time so that several server processes add up.

Gauges are read from the database and the shared cache when ``/metrics`` is scraped (a custom
collector), not kept in per-process memory. Counters of things the database does not keep
(rejected deliveries, and whatever other modules count with :func:`incr_shared`) live in the
cache: Redis ``INCR`` in production, so every ASGI server and worker adds to one number.

Other modules add their own values with :func:`register_gauge` (read at scrape time) or count
with :func:`incr_shared` and expose the counts with :func:`register_shared_counter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from ..models import PrinterWebhookEvent
from ..state import selectors
from . import health

logger = logging.getLogger(__name__)

#: The receiver's rejection codes (``views._error``); anything else is counted as "other".
REJECTION_REASONS = ("bad_secret", "bad_envelope", "too_large", "not_configured", "unavailable",
                     "method_not_allowed", "other")
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

GaugeValue = float | Mapping[str, float]


@dataclass(frozen=True)
class _Gauge:
    documentation: str
    read: Callable[[], GaugeValue | None]
    label: str | None


@dataclass(frozen=True)
class _SharedCounter:
    documentation: str
    label: str
    values: tuple[str, ...]


_gauges: dict[str, _Gauge] = {}
_shared_counters: dict[str, _SharedCounter] = {}


def _shared_key(name: str) -> str:
    return f"printfarm:metrics:{name}"


def incr_shared(name: str, amount: int = 1) -> None:
    """Add to a counter shared by every process (never raises: metrics must not break work)."""
    key = _shared_key(name)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)
    except Exception:
        logger.debug("could not count %s", name, exc_info=True)


def read_shared(names: list[str]) -> dict[str, int]:
    values = cache.get_many([_shared_key(name) for name in names])
    return {name: int(values.get(_shared_key(name)) or 0) for name in names}


def count_rejection(reason: str) -> None:
    incr_shared(f"webhook_rejected:{reason if reason in REJECTION_REASONS else 'other'}")


def register_gauge(name: str, documentation: str, read: Callable[[], GaugeValue | None],
                   *, label: str | None = None) -> None:
    """Expose ``read()`` as the gauge ``name``: a number, or ``{label value: number}`` when
    ``label`` is given; None omits it from this scrape."""
    _gauges[name] = _Gauge(documentation, read, label)


def register_shared_counter(name: str, documentation: str, *, label: str,
                            values: tuple[str, ...]) -> None:
    """Expose the shared counts ``incr_shared(f"{name}:{value}")`` as the counter ``name``."""
    _shared_counters[name] = _SharedCounter(documentation, label, values)


def _deliveries() -> CounterMetricFamily:
    family = CounterMetricFamily(
        "printfarm_webhook_deliveries", "Webhook deliveries received, by outcome and reason.",
        labels=["outcome", "reason"])
    stored = PrinterWebhookEvent.objects.aggregate(events=Count("id"), deliveries=Sum("deliveries"))
    events, deliveries = stored["events"] or 0, stored["deliveries"] or 0
    family.add_metric(["accepted", ""], events)
    family.add_metric(["duplicate", ""], deliveries - events)
    rejected = read_shared([f"webhook_rejected:{reason}" for reason in REJECTION_REASONS])
    for reason in REJECTION_REASONS:
        family.add_metric(["rejected", reason], rejected[f"webhook_rejected:{reason}"])
    return family


def _events() -> GaugeMetricFamily:
    family = GaugeMetricFamily("printfarm_events", "Stored events by processing status.",
                               labels=["status"])
    counts = selectors.event_counts()
    for status in PrinterWebhookEvent.Status.values:
        family.add_metric([status], int(str(counts[status])))
    return family


def _pending_lag() -> GaugeMetricFamily:
    oldest = PrinterWebhookEvent.objects.filter(processed=False).aggregate(
        oldest=Min("received_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return GaugeMetricFamily("printfarm_oldest_unprocessed_event_age_seconds",
                             "Now minus the reception time of the oldest unprocessed event.",
                             value=max(age, 0.0))


def _processing_lag() -> HistogramMetricFamily:
    lag = ExpressionWrapper(F("processed_at") - F("received_at"), output_field=DurationField())
    rows = PrinterWebhookEvent.objects.filter(processed_at__isnull=False).annotate(lag=lag)
    buckets = {f"le_{i}": Count("id", filter=Q(lag__lte=timedelta(seconds=bound)))
               for i, bound in enumerate(LAG_BUCKETS)}
    result = rows.aggregate(total=Count("id"), lag_sum=Sum("lag"), **buckets)
    total_sum = result["lag_sum"] or timedelta(0)
    return HistogramMetricFamily(
        "printfarm_event_processing_lag_seconds",
        "Processed events: processed_at minus received_at.",
        buckets=[(str(bound), result[f"le_{i}"]) for i, bound in enumerate(LAG_BUCKETS)]
        + [("+Inf", result["total"])],
        sum_value=total_sum.total_seconds(),
    )


def _heartbeat() -> Iterator[Metric]:
    age = health.heartbeat_age()
    if age is not None:
        yield GaugeMetricFamily("printfarm_worker_heartbeat_age_seconds",
                                "Seconds since a Celery worker last ran the heartbeat task.",
                                value=age)


def _live_clients() -> Iterator[Metric]:
    count = getattr(selectors, "live_client_count", None)
    if count is not None:
        yield GaugeMetricFamily("printfarm_live_clients",
                                "Planning pages connected over WebSocket.", value=count())


def _registered() -> Iterator[Metric]:
    for name, gauge in _gauges.items():
        value = gauge.read()
        if value is None:
            continue
        if gauge.label is None:
            assert not isinstance(value, Mapping)
            yield GaugeMetricFamily(name, gauge.documentation, value=value)
            continue
        family = GaugeMetricFamily(name, gauge.documentation, labels=[gauge.label])
        for label_value, number in (value.items() if isinstance(value, Mapping) else []):
            family.add_metric([label_value], number)
        yield family
    for name, counter in _shared_counters.items():
        counts = read_shared([f"{name}:{label_value}" for label_value in counter.values])
        counter_family = CounterMetricFamily(name, counter.documentation, labels=[counter.label])
        for label_value in counter.values:
            counter_family.add_metric([label_value], counts[f"{name}:{label_value}"])
        yield counter_family


class PrintfarmCollector:
    def collect(self) -> Iterator[Metric]:
        yield _deliveries()
        yield _events()
        yield _pending_lag()
        yield _processing_lag()
        yield from _heartbeat()
        yield from _live_clients()
        yield from _registered()


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PrintfarmCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
