"""One error shape for the API: ``{"detail": "<sentence>"}`` with the right status, plus
``errors`` (per parameter or field) for a 400, and JSON 404/500 pages under ``/api/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def _sentences(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [f"{name}: {' '.join(_sentences(value))}" if name != "non_field_errors"
                else " ".join(_sentences(value)) for name, value in errors.items()]
    if isinstance(errors, list):
        return [sentence for item in errors for sentence in _sentences(item)]
    return [str(errors)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = response.data
        response.data = {"detail": "Invalid request: " + "; ".join(_sentences(errors)),
                         "errors": errors}
    elif not (isinstance(response.data, dict) and "detail" in response.data):
        response.data = {"detail": "; ".join(_sentences(response.data))}
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Internal server error; it has been logged."}, status=500)
    return defaults.server_error(request)


class BadGateway(APIException):
    status_code = 502
    default_detail = "SimplyPrint did not answer as expected."
    default_code = "bad_gateway"
