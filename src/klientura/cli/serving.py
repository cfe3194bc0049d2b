"""``serve``: the web UI and the API."""

from __future__ import annotations

from typing import Annotated

import typer

from klientura.cli.common import strong_settings
from klientura.config import Settings

app = typer.Typer()


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="processes (one per core for tills' load)")] = 1,
) -> None:
    """Serve the web UI and the API."""
    serve(strong_settings(ctx), host, port, workers)


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """The app on ``host:port``; with several workers each process builds its own (from the environment)."""
    import uvicorn

    from klientura.app import create_app

    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    else:  # each worker process builds its own app (settings from the environment, as here)
        import socket

        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "klientura.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
        )
        # uvicorn's own listening socket for workers is made without IPPROTO_TCP, so asyncio never sets
        # TCP_NODELAY on the connections it accepts and every keep-alive response waits ~40 ms for a delayed ACK
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        Multiprocess(config, sockets=[sock]).run()
