"""The API's pieces of the OpenAPI schema that belong to no one endpoint (imported by ApiConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The bearer token scheme in the OpenAPI schema."""

    target_class = "accounts.api_auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (rhi_…), created by your organisation's admin.",
        }
