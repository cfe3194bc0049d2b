from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.api.conftest import api, client, key, users  # noqa: F401  (the API fixtures)
from tests.channels.conftest import peer  # noqa: F401  (a local server playing the Bot API)
from tests.channels.test_smtp import Sink
from tests.conftest import free_port


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    """An SMTP server on loopback that keeps what it receives."""
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
