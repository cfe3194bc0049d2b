"""A minimal SMTP sink for throughput benchmarks: speaks enough SMTP for smtplib (EHLO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT; PIPELINING, as Postfix and Exim offer it), accepts every message and counts them. aiosmtpd parses and dispatches each message through its
handler machinery and tops out near 220 messages a second on this machine, below what is being measured.

    python -m bench.smtp_sink PORT        prints the count every second
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.first = self.last = 0.0  # the current run's first and latest message (monotonic)

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await reader.readuntil(b"\r\n.\r\n")
                    self.count += 1
                    now = time.monotonic()
                    if now - self.last > 1.0:  # the first message after a quiet second starts a new run
                        self.first = now
                    self.last = now
                    writer.write(b"250 2.0.0 queued\r\n")
                elif verb == b"EHLO":
                    writer.write(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(port: int, counter: Any = None, span: Any = None) -> None:
    sink = Sink()
    server = await asyncio.start_server(sink.session, "127.0.0.1", port)
    async with server:
        while True:
            await asyncio.sleep(0.05)
            if counter is not None:
                counter.value = sink.count
            if span is not None:
                span[0], span[1] = sink.first, sink.last
            elif sys.stdout.isatty():
                print(sink.count, end="\r", flush=True)


def run(port: int, counter: Any = None, span: Any = None) -> None:
    asyncio.run(serve(port, counter, span))


if __name__ == "__main__":
    run(int(sys.argv[1]))
