"""Which build answers: the passages collection the alias names now, its properties, and its
manifest, read and checked in one place for the store, the writer and the registry."""

from __future__ import annotations

import json

from newsdex.errors import IndexIncompatible, IndexNotFound
from newsdex.index.manifest import Manifest, check_format
from newsdex.index.milvus.client import MilvusSettings, connect
from newsdex.index.milvus.schema import MANIFEST_PROPERTY, VERSION_PROPERTY
from newsdex.settings import Settings


def _live_collection(client, alias: str) -> str | None:
    try:
        return client.describe_alias(alias)["collection_name"]
    except Exception:  # no such alias: pymilvus raises MilvusException
        return None


def _properties(client, collection: str) -> dict[str, str]:
    return dict(client.describe_collection(collection).get("properties") or {})


def live_build_name(settings: Settings) -> str | None:
    """The build answering now (its collection and commit), or None: a server reopens when it changes."""
    config = MilvusSettings.of(settings)
    client = connect(config)
    collection = _live_collection(client, config.collection)
    if collection is None:
        return None
    return f"{collection}@{_properties(client, collection).get(VERSION_PROPERTY, '0')}"


def live_manifest(settings: Settings) -> Manifest:
    return _live_build(MilvusSettings.of(settings))[2]


def _live_build(config: MilvusSettings) -> tuple[str, dict[str, str], Manifest]:
    """The live build's passages collection, its properties and its manifest, read once
    (IndexNotFound without one, IndexIncompatible for a collection newsdex did not make)."""
    client = connect(config)
    collection = _live_collection(client, config.collection)
    where = config.location
    if collection is None:
        raise IndexNotFound(f"no index at {where}: run `newsdex index --store milvus`")
    properties = _properties(client, collection)
    try:
        manifest = Manifest(**json.loads(properties[MANIFEST_PROPERTY]))
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexIncompatible(f"index at {where} is foreign or damaged (no newsdex manifest): run "
                                "`newsdex index --rebuild --store milvus`") from exc
    check_format(manifest, where)
    return collection, properties, manifest
