"""The JSON API under /api, documented by its OpenAPI at /api/docs."""

from jiancha.interfaces.api.app import create_app

__all__ = ["create_app"]
