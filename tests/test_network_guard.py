"""The suite never reaches the internet: only servers on this machine may be dialled."""

import httpx
import pytest
from pytest_socket import SocketConnectBlockedError


def test_outside_addresses_are_refused():
    with pytest.raises(SocketConnectBlockedError):
        httpx.get("http://192.0.2.10/", timeout=1)
