"""The base of every API view, and the 404 for any other path under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import ApiClient
from api.throttling import ApiClientThrottle


class ApiView(APIView):
    """The base of every API view. A call made with a token is stateless: the system user is not left on the
    Django request, so the session middleware neither creates nor saves a session for it."""

    throttle_classes = [ApiClientThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            raise exceptions.ValidationError({name: ["Give this parameter once."] for name in repeated})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(getattr(request, "_auth", None), ApiClient):
            request._request.user = AnonymousUser()
        return response


@extend_schema(exclude=True)
class ApiNotFoundView(ApiView):
    """Any other path under /api/v1/ (a mistyped route, a non-numeric id): 404 in the one error body."""

    permission_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
