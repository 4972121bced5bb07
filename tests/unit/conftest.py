"""Unit tests run the pure rules only: no network, ever (sockets are disabled around each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket()
    try:
        yield
    finally:
        enable_socket()
