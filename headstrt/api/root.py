"""The NinjaAPI instance: versioned routes under /api/v1/, docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Headstrt API", version="1", docs_url="/docs", urls_namespace="api")
