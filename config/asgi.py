"""The ASGI application: Django for HTTP, Channels for WebSockets.

On the embedded default it also owns the background worker and scheduler threads, started with
the server's event loop remembered so that they can publish live updates onto it.
"""

import gc
import os
from typing import Any, cast

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from apps.simpleprint.inbound import limits  # noqa: E402
from apps.simpleprint.inbound.asgi import WebhookFastPath  # noqa: E402
from apps.simpleprint.live import compression  # noqa: E402
from apps.simpleprint.live.auth import SameOriginValidator, TokenAuthMiddleware  # noqa: E402
from apps.simpleprint.live.routing import websocket_urlpatterns  # noqa: E402
from apps.simpleprint.runtime.lifecycle import BackgroundStarter  # noqa: E402
from config.static import StaticFiles  # noqa: E402

# Under daphne, bodies over the limit are refused before they are read (inbound/limits.py).
limits.install_for_daphne()
# Under daphne, the pages' WebSocket messages are compressed (live/compression.py).
compression.install_for_daphne()

http: Any = WebhookFastPath(django_asgi_app)  # deliveries skip the middleware stack
if settings.PRINTFARM_SERVE_STATIC:  # the embedded run: /static/ without Django's stack
    http = StaticFiles(http, settings.STATIC_URL)

application = BackgroundStarter(
    # The client's address and scheme come from X-Forwarded-For/-Proto only when the peer is a
    # trusted proxy (PRINTFARM_TRUSTED_PROXIES): run daphne without --proxy-headers.
    cast(Any, ProxyHeadersMiddleware)(
        limits.BodyLimit(ProtocolTypeRouter({
            "http": http,
            "websocket": SameOriginValidator(
                AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
            ),
        })),
        trusted_hosts=settings.PRINTFARM_TRUSTED_PROXIES,
    )
)

# What is loaded by now lives as long as the process: keep it out of the collector's sight.
# Otherwise every full collection walks all of Django with the GIL held (60–80 ms every few
# seconds at 100 deliveries/s): the slowest 1 % of live updates (bench/README.md).
gc.freeze()
