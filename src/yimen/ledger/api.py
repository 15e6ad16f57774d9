"""The ledger's public REST API (mounted at /ledger/): checkpoint, proofs and keys for anyone to verify;
entries for staff who may read the log. Views only parse, call selectors/services and shape the answer."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from yimen.accounts.roles import LEDGER_VIEW
from yimen.common.errors import ValidationFailed
from yimen.ledger import selectors, services, tiles
from yimen.ledger.serializers import (
    ConsistencyProofSerializer,
    ConsistencyQuerySerializer,
    EntrySerializer,
    InclusionProofSerializer,
    InclusionQuerySerializer,
)

TAGS = ["ledger"]


class PlainTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        return text.encode(self.charset)


class OctetStreamRenderer(BaseRenderer):
    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CanViewLedger(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.can(LEDGER_VIEW))


class CheckpointApi(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [PlainTextRenderer, JSONRenderer]

    @extend_schema(
        tags=TAGS,
        summary="最新签名检查点 Latest signed checkpoint",
        description="C2SP tlog-checkpoint signed as a C2SP signed note (Ed25519), with witness cosignatures.",
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="signed note")},
    )
    def get(self, request):
        return Response(services.checkpoint_current().note(), content_type="text/plain; charset=utf-8")


class PublicKeyApi(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [PlainTextRenderer, JSONRenderer]

    @extend_schema(
        tags=TAGS,
        summary="验证公钥 Verifier keys",
        description="One note verifier key per line (name+keyid+base64(alg||key)): the log first, then witnesses.",
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        return Response("\n".join(selectors.public_keys()) + "\n", content_type="text/plain; charset=utf-8")


class EntryApi(APIView):
    permission_classes = [CanViewLedger]

    @extend_schema(tags=TAGS, summary="留痕记录 Ledger entry", responses=EntrySerializer)
    def get(self, request, index: int):
        return Response(selectors.entry_view(selectors.entry_get(index=index)))


class InclusionProofApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="包含性证明 Inclusion proof",
        parameters=[InclusionQuerySerializer],
        responses=InclusionProofSerializer,
    )
    def get(self, request):
        query = InclusionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        index = query.validated_data["index"]
        tree_size = (
            query.validated_data.get("tree_size") or services.checkpoint_current(covering=index + 1).size
        )
        leaf, proof = selectors.inclusion_proof_and_leaf(index=index, tree_size=tree_size)
        return Response(
            {
                "index": index,
                "tree_size": tree_size,
                "leaf_hash": selectors.b64(leaf),
                "proof": [selectors.b64(h) for h in proof],
            }
        )


class ConsistencyProofApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="一致性证明 Consistency proof",
        parameters=[ConsistencyQuerySerializer],
        responses=ConsistencyProofSerializer,
    )
    def get(self, request):
        query = ConsistencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        size1, size2 = query.validated_data["from"], query.validated_data["to"]
        proof = selectors.consistency_proof(size1=size1, size2=size2)
        return Response({"from": size1, "to": size2, "proof": [selectors.b64(h) for h in proof]})


def _tile_location(text: str) -> tuple[int, int]:
    try:
        return tiles.parse_tile_path(text)
    except ValueError as exc:
        raise ValidationFailed(f"瓦片路径无效 (tile path: {exc})", field="tile") from None


class _TileApi(APIView):
    """Binary tiles; errors still come as the API's JSON."""

    renderer_classes = [OctetStreamRenderer, JSONRenderer]
    IMMUTABLE = "public, max-age=31536000, immutable"  # the bytes at a tile's URL never change

    def handle_exception(self, exc):
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    def _binary(self, data: bytes) -> Response:
        return Response(
            data, content_type="application/octet-stream", headers={"Cache-Control": self.IMMUTABLE}
        )


class HashTileApi(_TileApi):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="哈希瓦片 Hash tile (C2SP tlog-tiles)",
        description=(
            "`tile/<L>/<N>[.p/<W>]`: the hashes of tree level 8L from index 256N, 256 of them or W for a "
            "partial tile, 32 bytes each. N is written in 3-digit groups, all but the last prefixed with x "
            "(`x001/234`). 404 until the log has every hash of the tile."
        ),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, level: int, tile: str):
        index, width = _tile_location(tile)
        return self._binary(selectors.tile_hashes(level=level, index=index, width=width))


class EntryTileApi(_TileApi):
    permission_classes = [CanViewLedger]

    @extend_schema(
        tags=TAGS,
        summary="记录瓦片 Entry bundle (C2SP tlog-tiles)",
        description=(
            "`tile/entries/<N>[.p/<W>]`: entries 256N.. as their canonical JSON, each after its length as a "
            "big-endian uint16. Staff who may read the ledger only, like single entries."
        ),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, tile: str):
        index, width = _tile_location(tile)
        return self._binary(selectors.entry_bundle(index=index, width=width))
