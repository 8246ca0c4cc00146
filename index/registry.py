"""The table of stores: which code a store's name (`NEWSDEX_STORE`, `--store`) means.

A store is named by a key of `STORES` or by a dotted path to a class of one's own,
`package.module:Class` or `package.module.Class`, resolved the same way as the built-in ones
(as txtai's ann/dense/factory.py does for its backends). Either gives a `StoreKind`
(index.stores): a class is made with no arguments, any other object is used as it is. Table
entries are paths, not imports, so naming a store loads only that store's module.
"""

from __future__ import annotations

import functools
import importlib

from newsdex.errors import StoreUnavailable
from newsdex.index.stores import StoreKind

# A new store is one module and one line here (docs/architecture.md, "How to add a store").
STORES: dict[str, str] = {
    "faiss": "newsdex.index.embedded:EmbeddedKind",
    "milvus": "newsdex.index.milvus:MilvusKind",
}

_OPERATIONS = [name for name in vars(StoreKind) if not name.startswith("_")]  # the protocol's methods


def choices() -> str:
    """The names a user may give, for messages: "faiss, milvus or a dotted path ..."."""
    return f"{', '.join(STORES)} or a dotted path to a store class (package.module:Class)"


@functools.lru_cache(maxsize=32)
def store_kind(name: str) -> StoreKind:
    """The store `name` means; StoreUnavailable, in one line, for a name that is not in the table
    and is no dotted path, a path that does not import, or an object that is not a store."""
    path = STORES.get(name)
    if path is None:
        if "." not in name and ":" not in name:
            raise StoreUnavailable(f"unknown store {name!r}: choose {choices()}")
        path = name
    found = resolve(path, name)
    try:
        kind = found() if isinstance(found, type) else found
    except TypeError as exc:  # a class that wants arguments
        raise StoreUnavailable(f"store {name!r}: cannot make one with no arguments ({exc})") from exc
    if not isinstance(kind, StoreKind):
        missing = [operation for operation in _OPERATIONS if not callable(getattr(kind, operation, None))]
        raise StoreUnavailable(f"store {name!r} is not a store: it lacks {', '.join(missing)} "
                               "(see index.stores.StoreKind)")
    return kind


def resolve(path: str, name: str | None = None) -> object:
    """The object a dotted path names: `package.module:Attribute` (the attribute may be dotted
    itself) or `package.module.Attribute`. `name` is the store as the user gave it, for messages."""
    shown = repr(name or path)
    module_name, colon, attribute = path.partition(":")
    if not colon:
        module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # the module, or something it imports, is missing
        raise StoreUnavailable(f"store {shown}: cannot import {module_name} ({exc})") from exc
    try:
        return functools.reduce(getattr, attribute.split("."), module)
    except AttributeError:
        raise StoreUnavailable(f"store {shown}: {module_name} has no {attribute}") from None
