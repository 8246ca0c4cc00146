"""The OpenAPI schema says what the server does: schemathesis generates requests from it
(valid and invalid) against the real app on a copy of the seed index, and checks every
answer with its default checks: no server error, status codes, content types, headers and
bodies as documented. A bounded number of examples per operation keeps it to seconds."""

from __future__ import annotations

import os
import shutil

import pytest
import schemathesis
from conftest import SEEDS
from hypothesis import HealthCheck, given, settings

from newsdex.api.app import create_app
from newsdex.settings import Settings

KEY = "schema-test-key"
EXAMPLES = int(os.environ.get("NEWSDEX_SCHEMA_EXAMPLES", "25"))  # more for a deeper run


@pytest.fixture(scope="module")
def api_schema(seed_settings, embedder, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("schema") / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)
    settings = Settings(index_dir=index_dir, seeds_dir=SEEDS, api_key=KEY, batch_window_ms=0)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, embedder=embedder))


def test_every_operation_matches_its_schema(api_schema):
    # schemathesis' own pytest plugin does not run under pytest 9, so each operation's
    # cases are drawn here with hypothesis directly; the checks are the same.
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        # An operation whose only input is the Authorization header (POST /index/rebuild) gets
        # the same request every time, since the header is set below: two examples say all.
        inputs = [p for p in operation.iter_parameters() if p.location.value != "header"]
        examples = EXAMPLES if inputs or operation.definition.raw.get("requestBody") else 2

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # A rebuild re-embeds every article posted by the cases before it: give it time.
            case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, timeout=120)

        try:
            check()
        except BaseException as exc:  # noqa: BLE001 - a schemathesis FailureGroup: report them all
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
