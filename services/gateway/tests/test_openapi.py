"""The merged OpenAPI document: owned paths only, clashing components renamed, refs intact."""

from __future__ import annotations

from typing import Any

import httpx
from muninn_gateway.openapi.merge import DocumentMerger, collect_refs, parse_ref


def resolve_all_refs(document: dict[str, Any]) -> set[tuple[str, str]]:
    refs = collect_refs(document)
    for section, name in refs:
        assert name in document["components"].get(section, {}), f"dangling ref {section}/{name}"
    return refs


def schema_for(document: dict[str, Any], path: str, status: str = "200") -> dict[str, Any]:
    content = document["paths"][path]["get"]["responses"][status]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def component(document: dict[str, Any], ref: str) -> dict[str, Any]:
    key = parse_ref(ref)
    assert key is not None
    found: dict[str, Any] = document["components"][key[0]][key[1]]
    return found


async def test_merged_document_holds_both_services_and_resolves(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert "/v1/conversations/{conversation_id}/item" in paths
    assert "/v1/memories/{memory_id}/item" in paths
    assert "/healthz" in paths
    assert "/readyz" in paths
    assert "/internal/secret" not in paths
    assert "/v1/foreign/thing" not in paths, "a path the route table sends elsewhere is dropped"
    assert "/openapi.json" not in paths
    resolve_all_refs(document)

    conversation_item = component(
        document, schema_for(document, "/v1/conversations/{conversation_id}/item")["$ref"]
    )
    memory_item = component(document, schema_for(document, "/v1/memories/{memory_id}/item")["$ref"])
    assert set(conversation_item["properties"]) == {"id", "title"}
    assert set(memory_item["properties"]) == {"id", "text", "score"}

    conversation_page = component(
        document, schema_for(document, "/v1/conversations/{conversation_id}/page")["$ref"]
    )
    memory_page = component(document, schema_for(document, "/v1/memories/{memory_id}/page")["$ref"])
    assert component(document, conversation_page["properties"]["items"]["items"]["$ref"]) == (
        conversation_item
    )
    assert component(document, memory_page["properties"]["items"]["items"]["$ref"]) == memory_item
    assert conversation_page["properties"]["shared"] == memory_page["properties"]["shared"]
    assert "Shared" in document["components"]["schemas"]

    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyAuth"] == {**schemes["apiKeyAuth"], "in": "header", "name": "X-API-Key"}
    assert {"bearerAuth": []} in document["security"]
    assert paths["/healthz"]["get"]["security"] == []
    assert "security" not in paths["/v1/memories/{memory_id}/item"]["get"]
    assert document["info"]["x-muninn-services"]["conversation"] == "ok"
    assert document["info"]["x-muninn-services"]["scheduler"] == "unavailable"


async def test_swagger_ui_points_at_the_merged_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text


def test_public_operations_need_no_security_and_schemes_are_replaced() -> None:
    merger = DocumentMerger()
    merger.add(
        "identity",
        {
            "paths": {
                "/v1/auth/login": {"post": {"security": [{"HTTPBearer": []}], "responses": {}}},
                "/v1/me": {"get": {"security": [{"HTTPBearer": []}], "responses": {}}},
            }
        },
        lambda path: True,
    )
    document = merger.document(
        info={"title": "t", "version": "1"},
        is_public=lambda method, path: (method, path) == ("post", "/v1/auth/login"),
    )
    assert document["paths"]["/v1/auth/login"]["post"]["security"] == []
    assert "security" not in document["paths"]["/v1/me"]["get"]


def test_unreferenced_components_are_left_out_and_renames_chain() -> None:
    def doc(item_field: str, extra: bool) -> dict[str, Any]:
        schemas: dict[str, Any] = {
            "Item": {"type": "object", "properties": {item_field: {"type": "string"}}},
            "Wrapper": {
                "type": "object",
                "properties": {"i": {"$ref": "#/components/schemas/Item"}},
            },
            "Outer": {"type": "array", "items": {"$ref": "#/components/schemas/Wrapper"}},
        }
        if extra:
            schemas["Unused"] = {"type": "string"}
        return {
            "paths": {
                f"/v1/{item_field}": {
                    "get": {
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Outer"}
                                    }
                                }
                            }
                        }
                    }
                }
            },
            "components": {"schemas": schemas},
        }

    merger = DocumentMerger()
    merger.add("memory", doc("a", extra=True), lambda path: True)
    merger.add("conversation", doc("b", extra=False), lambda path: True)
    document = merger.document(info={}, is_public=lambda m, p: False)
    schemas = document["components"]["schemas"]
    assert "Unused" not in schemas
    assert set(schemas) == {
        "Item",
        "Wrapper",
        "Outer",
        "ConversationItem",
        "ConversationWrapper",
        "ConversationOuter",
    }
    resolve_all_refs(document)
    assert schemas["ConversationWrapper"]["properties"]["i"]["$ref"] == (
        "#/components/schemas/ConversationItem"
    )
