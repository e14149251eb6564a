"""The shared kit every service process is built from."""

from waops_service_kit.http import ApiError, json_error
from waops_service_kit.runtime import RUNTIME, ServiceRuntime, build_app, serve
from waops_service_kit.settings import ServiceSettings

__all__ = [
    "RUNTIME",
    "ApiError",
    "ServiceRuntime",
    "ServiceSettings",
    "build_app",
    "json_error",
    "serve",
]
