"""Query parameters of the REST API, in one place: filters, ordering, and plain parameters
(:func:`query_params`). A value that does not parse, is not finite or is out of range is a 400
naming the parameter; nothing is silently clamped or ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from ..events.registry import CATEGORIES, received_names
from ..models import OperatorAction, Printer, PrinterWebhookEvent, PrintJob, PrintQueue

#: The range of the 64-bit id columns; a number outside it can match no row.
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def query_params(serializer_class: type[serializers.Serializer], request: Request
                 ) -> dict[str, Any]:
    """``request``'s query parameters, validated by ``serializer_class`` (DRF's number fields
    refuse NaN and infinities); a 400 naming each bad parameter otherwise."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class IdFilter(filters.Filter):
    """A SimplyPrint id: a whole number within the 64-bit column's range (``1e5``, ``nan``,
    ``1.5`` and 20-digit numbers are 400s on every database)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` that answers 400 for a field it cannot order by, instead of ignoring it."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {name for name, _ in self.get_valid_fields(queryset, view,
                                                                  {"request": request})}
            wrong = [p.strip().lstrip("-") for p in params.split(",")
                     if p.strip().lstrip("-") not in allowed]
            if wrong:
                raise ValidationError({self.ordering_param: [
                    f"Cannot order by {', '.join(wrong)}; use one of: "
                    f"{', '.join(sorted(allowed))} (prefix '-' for descending)."
                ]})
        return super().get_ordering(request, queryset, view)


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC: Python accepts offsets up to ±23:59, PostgreSQL
    refuses those beyond ±15:59 (which made ``?…_after=2000-01-01T00:00+16:00`` a 500)."""

    def filter(self, qs: QuerySet[Any], value: datetime | None) -> QuerySet[Any]:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:  # beyond year 1 or 9999 in UTC: clamp, the answer is the same
                value = (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)
        return super().filter(qs, value)


class EventFilter(filters.FilterSet):
    event = filters.CharFilter(method="filter_event",
                               help_text="Event name as received or as applied (job.done)")
    category = filters.ChoiceFilter(choices=[(c, c) for c in CATEGORIES])
    status = filters.ChoiceFilter(choices=PrinterWebhookEvent.Status.choices)
    printer = IdFilter(field_name="printer_sp_id",
                                   help_text="SimplyPrint printer id")
    job = IdFilter(field_name="job_sp_id", help_text="SimplyPrint job id")
    webhook_id = IdFilter()
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = PrinterWebhookEvent
        fields: list[str] = []

    def filter_event(self, queryset: QuerySet[PrinterWebhookEvent], name: str, value: str
                     ) -> QuerySet[PrinterWebhookEvent]:
        return queryset.filter(event__in=received_names(value))


class PrinterFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Printer.State.choices)
    group_id = IdFilter()
    online = filters.BooleanFilter()
    out_of_order = filters.BooleanFilter()

    class Meta:
        model = Printer
        fields: list[str] = []


class JobFilter(filters.FilterSet):
    printer = IdFilter(field_name="printer__sp_id",
                                   help_text="SimplyPrint printer id")
    status = filters.ChoiceFilter(choices=PrintJob.Status.choices)
    file_name = filters.CharFilter(lookup_expr="icontains",
                                   help_text="Part of the file name, any case")
    started_after = UtcDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcDateTimeFilter(field_name="started_at", lookup_expr="lt")
    ended_after = UtcDateTimeFilter(field_name="ended_at", lookup_expr="gte")
    ended_before = UtcDateTimeFilter(field_name="ended_at", lookup_expr="lt")

    class Meta:
        model = PrintJob
        fields: list[str] = []


class QueueFilter(filters.FilterSet):
    """Active items (queued, pending approval, approved) unless ``state`` says otherwise."""

    state = filters.ChoiceFilter(
        choices=[("active", "active"), ("all", "all"), *PrintQueue.State.choices],
        method="filter_state", help_text="active (the default), all, or one state",
    )
    group_id = IdFilter()
    filename = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = PrintQueue
        fields: list[str] = []

    def filter_state(self, queryset: QuerySet[PrintQueue], name: str, value: str
                     ) -> QuerySet[PrintQueue]:
        if value == "all":
            return queryset
        if value == "active":
            return queryset.filter(state__in=PrintQueue.ACTIVE)
        return queryset.filter(state=value)

    def filter_queryset(self, queryset: QuerySet[PrintQueue]) -> QuerySet[PrintQueue]:
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(state__in=PrintQueue.ACTIVE)
        return super().filter_queryset(queryset)


class ActionFilter(filters.FilterSet):
    """The audit trail: by action, status, printer, queue item, job, user, request, time."""

    kind = filters.ChoiceFilter(choices=OperatorAction.Kind.choices)
    status = filters.ChoiceFilter(choices=OperatorAction.Status.choices)
    open = filters.BooleanFilter(method="filter_open",
                                 help_text="true: still waiting for SimplyPrint to confirm")
    printer = IdFilter(field_name="printer_sp_id", help_text="SimplyPrint printer id")
    queue_item = IdFilter(field_name="queue_item_sp_id", help_text="SimplyPrint queue item id")
    job = IdFilter(field_name="job_sp_id", help_text="SimplyPrint job id")
    user = filters.CharFilter(field_name="username", help_text="Who asked (user name)")
    batch = filters.UUIDFilter(help_text="The actions of one request (a bulk action)")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = OperatorAction
        fields: list[str] = []

    def filter_open(self, queryset: QuerySet[OperatorAction], name: str, value: bool
                    ) -> QuerySet[OperatorAction]:
        return queryset.filter(status__in=OperatorAction.OPEN) if value \
            else queryset.exclude(status__in=OperatorAction.OPEN)
