"""The NinjaAPI at /api/: mounts each app's router, authenticates callers, serves its docs.

Callers are scripts with a key in the X-API-Key header (`minqing token create`), or a
signed-in browser session (with its CSRF token for writes). Each app's router answers with
the caller's own scope; the caller is `request.auth`.

The docs page (/api/docs) is served with the Swagger UI files that ship inside django-ninja
(nothing from a CDN: the intranet has no internet).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import ninja
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import APIKeyHeader, SessionAuth

from minqing.accounts.models import ApiToken
from minqing.casework.api import router as casework_router
from minqing.linkage.api import router as linkage_router
from minqing.sources.api import router as sources_router

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}
LAST_USED_EVERY = timedelta(minutes=1)


class ApiKey(APIKeyHeader):
    """An active key of an active user (only the key's SHA-256 is stored)."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        token = (
            ApiToken.objects.select_related("user", "user__unit")
            .filter(key_hash=ApiToken.hash_key(key), is_active=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class Session(SessionAuth):
    """The browser's session. CSRF is checked only when there is a session to protect, so a
    script without a key is told 401 (not a CSRF 403)."""

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


DOCS_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{{ api.title }} · 接口文档</title>
  <link rel="stylesheet" href="{{ css }}">
  <link rel="icon" href="{{ favicon }}" type="image/svg+xml">
</head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="true">
  <script type="application/json" id="swagger-settings">{{ settings|safe }}</script>
  <div id="swagger-ui"></div>
  <script src="{{ bundle }}"></script>
  <script src="{{ init }}"></script>
</body>
</html>"""


class OfflineSwagger(DocsBase):
    """Swagger UI from django-ninja's own files, served by `docs_asset` below."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {
            "layout": "BaseLayout",
            "deepLinking": True,
            "url": self.get_openapi_url(api, kwargs),
        }
        asset = lambda name: reverse("api-docs-asset", args=[name])  # noqa: E731
        template = engines["django"].from_string(DOCS_PAGE)
        context = {
            "api": api,
            # "</" cannot close the <script> element early
            "settings": json.dumps(settings).replace("</", "<\\/"),
            "css": asset("swagger-ui.css"),
            "favicon": asset("favicon.svg"),
            "bundle": asset("swagger-ui-bundle.js"),
            "init": asset("swagger-ui-init.js"),
        }
        return HttpResponse(template.render(context, request))


def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """Swagger UI's own files: public, like /static/. They leave the session alone (no save
    on each of the page's parallel asset requests, as SESSION_SAVE_EVERY_REQUEST would do)."""
    if name not in DOCS_ASSETS:
        raise Http404("文件不存在")
    if hasattr(request, "session"):
        del request.session  # SessionMiddleware skips a request without one
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=DOCS_ASSETS[name])
    response["Cache-Control"] = "private, max-age=86400"
    return response


api = NinjaAPI(
    title="民情 API",
    version="1",
    description=(
        "民情 (一台账两清单 + 民情地图) 的接口。认证: 请求头 `X-API-Key` (由系统管理员用 "
        "`minqing token create 用户名 --name 用途` 生成), 或已登录的浏览器会话。"
        "权限与网页相同: 不在您范围内的对象一律返回 404。"
    ),
    urls_namespace="api",
    auth=[ApiKey(), Session()],
    docs=OfflineSwagger(),
    docs_decorator=login_required,
)
api.add_router("/", sources_router)
api.add_router("/linkage/", linkage_router)
api.add_router("/casework/", casework_router)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "未认证: 请在请求头 X-API-Key 中提供有效的 API 密钥, 或先登录。"},
        status=401,
    )


@api.exception_handler(ValidationError)
def _bad_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # 422 is kept for a refused import file (its body is the import result)
    return api.create_response(
        request, {"detail": "请求参数有误", "errors": exc.errors}, status=400
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "不存在"}, status=404)
