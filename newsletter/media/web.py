"""``GET /media/<name>``: our copies of pictures and the social cards, served by the web app.

Only names the store makes are answered (``store.is_valid_name``: a hash or a card name, no
slash, no ``..``), so no request can reach outside the media folder. Content-addressed
pictures never change: cached for a year, immutable. Cards keep their name when redrawn:
cached for an hour.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from newsletter.config import Config
from newsletter.media import store_for
from newsletter.media.store import CARD_NAME, CONTENT_TYPES, is_valid_name

IMMUTABLE = "public, max-age=31536000, immutable"
CARD_CACHE = "public, max-age=3600"


def routes(config: Config) -> list[Route]:
    store = store_for(config)

    async def media_file(request: Request) -> Response:
        name = request.path_params["name"]
        if not is_valid_name(name):
            raise HTTPException(404)
        path = store.path(name)
        if not path.is_file():
            raise HTTPException(404)
        cache = CARD_CACHE if CARD_NAME.fullmatch(name) else IMMUTABLE
        return FileResponse(path, media_type=CONTENT_TYPES[path.suffix],
                            headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})

    return [Route("/media/{name}", media_file, methods=["GET", "HEAD"])]
