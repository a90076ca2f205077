"""Hypothesis over the fuzz targets: random bytes, and structured inputs (JSON values of
any shape as the params of every method) that random bytes seldom reach."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execwire.protocol.methods import REQUESTS
from tests.fuzz.targets import TARGETS, params_of_every_method

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


@SETTINGS
@given(st.sampled_from(sorted(TARGETS)), st.binary(max_size=2048))
def test_random_bytes_get_a_value_or_the_documented_error(target: str, data: bytes) -> None:
    TARGETS[target](data)


@SETTINGS
@given(st.integers(0, len(REQUESTS) - 1), st.dictionaries(st.text(max_size=16), JSON, max_size=8))
def test_any_params_object_of_any_method_is_decoded_or_refused(index: int, params: dict[str, object]) -> None:
    params_of_every_method(bytes([index]) + json.dumps(params).encode())


@SETTINGS
@given(JSON)
def test_any_json_value_is_classified_by_the_server(value: object) -> None:
    TARGETS["jsonrpc_server_inbound"](json.dumps(value).encode())
    TARGETS["jsonrpc_client_inbound"](json.dumps(value).encode())
