"""The operator actions' endpoints and the audit trail's (docs/api.md, "Actions").

``POST printers/<sp_id>/actions/<clear-bed|pause|resume|cancel|start-next|start>/``,
``POST queue/<sp_id>/actions/<approve|deny|move|revive|remove>/``, the bulk
``POST printers/actions/clear-bed/`` and ``POST queue/actions/approve/``; ``GET actions/``.
Each action needs its family's permission (``operate_printers``, ``manage_queue``); a request
key (``Idempotency-Key`` header or ``idempotency_key`` field) makes a retried request answer
what the first one did. The work is ``actions.service.perform``; these views only translate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

from django.db.models import QuerySet
from django.http import Http404
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from ..actions import service
from ..actions.registry import ACTIONS, ActionSpec
from ..models import OperatorAction, Printer, PrintQueue
from ..serializers import (
    OperatorActionDetailSerializer,
    OperatorActionSerializer,
    PrinterSerializer,
    PrintQueueSerializer,
)
from ..state import conditions, selectors
from ..state.jobs import CANCEL_REASONS
from .access import requires
from .filters import ID_MAX, ActionFilter
from .views import ERRORS, ErrorSerializer, MirrorViewSet

Kind = OperatorAction.Kind
KEY_HEADER = "Idempotency-Key"

# --- requests ---------------------------------------------------------------------------------


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A SimplyPrint id: a whole number within the 64-bit columns (a larger one is a 400)."""
    return serializers.IntegerField(min_value=kwargs.pop("min_value", 1), max_value=ID_MAX,
                                    **kwargs)



class ExpectPrinterSerializer(serializers.Serializer):
    """What the page showed of the printer; the action is refused (409 ``state_changed``)
    when it is not so any more. Every field is optional."""

    condition = serializers.ChoiceField(choices=list(get_args(conditions.Condition)),
                                        required=False)
    state = serializers.ChoiceField(choices=Printer.State.choices, required=False)
    job_id = id_field(required=False, allow_null=True, help_text=(
        "The job the card showed: the current one, else the last one (null: none)"))


class ExpectNextSerializer(ExpectPrinterSerializer):
    queue_item_id = id_field(required=False, help_text=(
        "The queue item the page showed next for this printer"))


class ExpectItemSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PrintQueue.State.choices, required=False)


class ParamsMixin(serializers.Serializer):
    idempotency_key = serializers.CharField(max_length=100, required=False, help_text=(
        "Or the Idempotency-Key header: the same key answers what the first request did"))

    def action_params(self) -> dict[str, Any]:
        """The action's own parameters (not the key, what the page showed, the targets)."""
        return {name: value for name, value in self.validated_data.items()
                if name not in ("idempotency_key", "expect", "printers", "items")}


class ActionRequestSerializer(ParamsMixin):
    expect = ExpectPrinterSerializer(required=False)


class ItemActionRequestSerializer(ActionRequestSerializer):
    expect = ExpectItemSerializer(required=False)  # type: ignore[assignment]


class ClearBedFields(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["ok", "failed"], help_text=(
        "ok: the print is good; failed: it is not, and SimplyPrint sends its queue item back "
        "to the queue"))
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                    help_text="Kept in the audit trail (ClearBed takes none)")
    rating = serializers.IntegerField(min_value=1, max_value=4, required=False)


class ClearBedRequestSerializer(ActionRequestSerializer, ClearBedFields):
    pass


class CancelRequestSerializer(ActionRequestSerializer):
    reason = serializers.ChoiceField(choices=sorted(CANCEL_REASONS.items()), help_text=(
        "1 print failed, 2 regretted print, 3 no filament extruded / nozzle clog, 4 fell off "
        "the plate, 5 not enough filament, 6 other"))
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class StartNextRequestSerializer(ActionRequestSerializer):
    expect = ExpectNextSerializer(required=False)


class StartRequestSerializer(ActionRequestSerializer):
    queue_item_id = id_field()


class ApproveFields(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ApproveRequestSerializer(ItemActionRequestSerializer, ApproveFields):
    pass


class DenyRequestSerializer(ItemActionRequestSerializer):
    reason = serializers.CharField(max_length=500, help_text="Shown to whoever added the item")
    remove = serializers.BooleanField(default=False, help_text=(
        "true: delete the item; false: keep it denied, for its owner to revise"))


class MoveRequestSerializer(ItemActionRequestSerializer):
    position = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False,
                                        help_text="1 = the top of the queue")
    group = id_field(required=False, help_text="Another queue group's id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("position" in attrs) == ("group" in attrs):
            raise ValidationError("Give either position (1 = the top) or group.")
        return attrs


class PrinterTargetSerializer(serializers.Serializer):
    sp_id = id_field()
    expect = ExpectPrinterSerializer(required=False)


class ItemTargetSerializer(serializers.Serializer):
    sp_id = id_field()
    expect = ExpectItemSerializer(required=False)


#: At most this many targets in one request.
MAX_TARGETS = 100


def _distinct(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [target["sp_id"] for target in targets]
    if not 1 <= len(ids) <= MAX_TARGETS:
        raise ValidationError(f"Name 1 to {MAX_TARGETS} printers or items.")
    if len(set(ids)) != len(ids):
        raise ValidationError("Each printer or item may be named once.")
    return targets


class BulkClearBedRequestSerializer(ParamsMixin, ClearBedFields):
    printers = PrinterTargetSerializer(many=True)

    def validate_printers(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _distinct(value)


class BulkApproveRequestSerializer(ParamsMixin, ApproveFields):
    items = ItemTargetSerializer(many=True)

    def validate_items(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _distinct(value)


# --- answers ----------------------------------------------------------------------------------

CODES = ["accepted", "replayed", "state_changed", "not_allowed", "in_flight", "key_reused",
         "simplyprint_refused", "simplyprint_unavailable"]


class ActionAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=CODES)
    action = OperatorActionSerializer(allow_null=True)
    current = serializers.DictField(allow_null=True, help_text=(
        "The printer or queue item as it is now (a refusal shows what changed)"))
    simplyprint_status = serializers.IntegerField(allow_null=True)


class BulkAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=CODES)
    batch = serializers.UUIDField(allow_null=True)
    actions = OperatorActionSerializer(many=True)
    current = serializers.ListField(child=serializers.DictField())
    simplyprint_status = serializers.IntegerField(allow_null=True)


def _answers(serializer: type[serializers.Serializer]) -> dict[int, Any]:
    return {
        200: OpenApiResponse(serializer, description="This request key was used before: what "
                                                     "that request did (nothing sent again)"),
        202: OpenApiResponse(serializer, description="SimplyPrint accepted it: pending until "
                                                     "its webhook (or a poll) confirms it"),
        400: ERRORS[400], 401: ERRORS[401],
        403: OpenApiResponse(ErrorSerializer, description="The user lacks the permission "
                                                          "(named in detail)"),
        404: OpenApiResponse(ErrorSerializer, description="Unknown printer or queue item"),
        409: OpenApiResponse(serializer, description="Refused here, nothing sent: the state "
                             "changed since the page showed it, does not allow it, another "
                             "action on it is unconfirmed, or the request key was used for "
                             "something else"),
        502: OpenApiResponse(serializer, description="SimplyPrint refused it (its status and "
                                                     "message); nothing was done"),
        503: OpenApiResponse(serializer, description="SimplyPrint could not be reached or "
                                                     "limits the rate (Retry-After)"),
    }


KEY_PARAMETER = OpenApiParameter(KEY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
                                 description="A key per action request (or the field "
                                             "idempotency_key)")


def _status(outcome: service.Outcome) -> int:
    return {"accepted": 202, "replayed": 200, "refused": 409, "key_reused": 409,
            "failed": 502, "unavailable": 503}[outcome.code]


def _code(outcome: service.Outcome) -> str:
    if outcome.code == "refused":
        return next((a.refusal for a in outcome.actions if a.refusal), "not_allowed")
    return {"failed": "simplyprint_refused", "unavailable": "simplyprint_unavailable"}.get(
        outcome.code, outcome.code)


def _shown(row: Any) -> dict[str, Any]:
    if isinstance(row, Printer):
        return dict(PrinterSerializer(selectors.printers_with_jobs().get(pk=row.pk)).data)
    row.refresh_from_db()
    return dict(PrintQueueSerializer(row).data)


def _respond(outcome: service.Outcome, body: dict[str, Any]) -> Response:
    body = {"detail": outcome.detail, "code": _code(outcome), **body,
            "simplyprint_status": outcome.simplyprint_status}
    headers = {"Retry-After": str(int(outcome.retry_after))} if outcome.retry_after else None
    return Response(body, status=_status(outcome), headers=headers)


def _key(request: Request, data: dict[str, Any]) -> str | None:
    header, field = request.headers.get(KEY_HEADER), data.get("idempotency_key")
    if header and field and header != field:
        raise ValidationError({"idempotency_key": [
            f"The {KEY_HEADER} header and the idempotency_key field differ."]})
    if header and len(header) > 100:
        raise ValidationError({"idempotency_key": ["At most 100 characters."]})
    return header or field


class ActionView(APIView):
    """One action on one printer or queue item (built per action by :func:`action_view`)."""

    spec: ActionSpec
    request_serializer: type[ActionRequestSerializer]
    #: Parameters the endpoint adds (``start-next``: the next item is the service's choice).
    extra_params: dict[str, Any] = {}
    throttle_scope = "actions"

    def post(self, request: Request, sp_id: int) -> Response:
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = service.Target(sp_id, dict(data.get("expect") or {}))
        try:
            if not 0 < sp_id <= ID_MAX:
                raise service.UnknownTargets(self.spec, [sp_id])
            outcome = service.perform(self.spec.kind, request.user, [target],
                                      {**serializer.action_params(), **self.extra_params},
                                      _key(request, data))
        except service.UnknownTargets as exc:
            raise Http404(str(exc)) from exc
        action = outcome.actions[0] if outcome.actions else None
        return _respond(outcome, {
            "action": OperatorActionSerializer(action).data if action else None,
            "current": _shown(outcome.current[0]) if outcome.current else None})


class BulkActionView(APIView):
    """One action on a selection: one SimplyPrint call, one audit row per target."""

    spec: ActionSpec
    request_serializer: type[ParamsMixin]
    targets_field: str
    throttle_scope = "actions"

    def post(self, request: Request) -> Response:
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        targets = [service.Target(t["sp_id"], dict(t.get("expect") or {}))
                   for t in data[self.targets_field]]
        try:
            outcome = service.perform(self.spec.kind, request.user, targets,
                                      serializer.action_params(), _key(request, data))
        except service.UnknownTargets as exc:
            raise Http404(str(exc)) from exc
        return _respond(outcome, {
            "batch": outcome.actions[0].batch if outcome.actions else None,
            "actions": OperatorActionSerializer(outcome.actions, many=True).data,
            "current": [_shown(row) for row in outcome.current]})


def _view(base: type[APIView], spec: ActionSpec, request_serializer: type[Any], summary: str,
          operation: str, answer: type[serializers.Serializer], **attributes: Any
          ) -> Callable[..., Any]:
    """A view of ``base`` for ``spec``, behind its permission, documented in the schema."""
    permission = spec.family.split(".", 1)[1]
    view: type[APIView] = type(f"{spec.kind.title().replace('_', '')}{base.__name__}", (base,), {
        "spec": spec, "request_serializer": request_serializer, **attributes,
        "permission_classes": [requires(spec.family)], "__doc__": f"{summary} ({permission}).",
    })
    return extend_schema_view(post=extend_schema(
        summary=f"{summary} ({permission})", request=request_serializer,
        responses=_answers(answer), parameters=[KEY_PARAMETER], tags=[_tag(spec)],
        operation_id=f"{_prefix(spec)}_actions_{operation}".replace("-", "_"),
    ))(view).as_view()


def action_view(spec: ActionSpec, request_serializer: type[ActionRequestSerializer],
                summary: str, segment: str, **extra_params: Any) -> Callable[..., Any]:
    """The view of ``<printers|queue>/<id>/actions/<segment>/``."""
    return _view(ActionView, spec, request_serializer, summary, segment,
                 ActionAnswerSerializer, extra_params=extra_params)


def bulk_view(spec: ActionSpec, request_serializer: type[ParamsMixin], targets_field: str,
              summary: str) -> Callable[..., Any]:
    """The view of ``<printers|queue>/actions/<path>/`` for a selection."""
    return _view(BulkActionView, spec, request_serializer, summary, f"{spec.path}_bulk",
                 BulkAnswerSerializer, targets_field=targets_field)


#: Each action's request (the registry knows what it does; this, what it is asked with).
REQUESTS: dict[str, type[ActionRequestSerializer]] = {
    Kind.CLEAR_BED: ClearBedRequestSerializer, Kind.PAUSE: ActionRequestSerializer,
    Kind.RESUME: ActionRequestSerializer, Kind.CANCEL: CancelRequestSerializer,
    Kind.START: StartRequestSerializer, Kind.APPROVE: ApproveRequestSerializer,
    Kind.DENY: DenyRequestSerializer, Kind.MOVE: MoveRequestSerializer,
    Kind.REVIVE: ItemActionRequestSerializer, Kind.REMOVE: ItemActionRequestSerializer,
}
assert set(REQUESTS) == set(ACTIONS), "every action has its request"


def _prefix(spec: ActionSpec) -> str:
    return "printers" if spec.target == "printer" else "queue"


def _tag(spec: ActionSpec) -> str:
    return "printer actions" if spec.target == "printer" else "queue actions"


def urlpatterns() -> list[URLPattern]:
    patterns = [
        path(f"{_prefix(spec)}/<int:sp_id>/actions/{spec.path}/",
             action_view(spec, REQUESTS[kind], spec.summary, spec.path),
             name=f"action-{spec.path}")
        for kind, spec in ACTIONS.items()
    ]
    start = ACTIONS[Kind.START]
    patterns.append(path(
        "printers/<int:sp_id>/actions/start-next/",
        action_view(start, StartNextRequestSerializer, "Start the queue item the planning "
                    "projection shows next for a ready printer", "start-next", next=True),
        name="action-start-next"))
    for spec, serializer, field, summary in (
            (ACTIONS[Kind.CLEAR_BED], BulkClearBedRequestSerializer, "printers",
             "Clear the beds of a selection of printers (one SimplyPrint call)"),
            (ACTIONS[Kind.APPROVE], BulkApproveRequestSerializer, "items",
             "Approve a selection of queue items (one SimplyPrint call)")):
        assert spec.bulk
        patterns.append(path(f"{_prefix(spec)}/actions/{spec.path}/",
                             bulk_view(spec, serializer, field, summary),
                             name=f"bulk-{spec.path}"))
    return patterns


# --- the audit trail --------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="The operator actions (audit trail), newest first",
                       tags=["audit"]),
    retrieve=extend_schema(summary="One operator action, with SimplyPrint's request and answer",
                           tags=["audit"]),
)
class ActionLogViewSet(MirrorViewSet):
    """Every action an operator asked of SimplyPrint through this service: who, what, on
    which printer or item, with which parameters, when, SimplyPrint's answer or error, and
    the webhook event (or poll) that confirmed it."""

    filterset_class = ActionFilter
    ordering_fields = ["created_at", "id", "kind", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[OperatorAction]:
        return OperatorAction.objects.all()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return OperatorActionSerializer
        return OperatorActionDetailSerializer
