"""A TCP proxy on loopback that delays every chunk by a fixed one-way time: a slow link
(a relay across the internet) where the kernel has no netem.

    python bench/delayproxy.py LISTEN_PORT TARGET_PORT [--one-way-ms 25]

Each direction of each connection is one reader and one writer: the reader stamps every
chunk with the moment it arrived, the writer sends it on at that moment plus the delay, in
order. The delay is per chunk, not per byte: bandwidth is loopback's, only the round trip
is long, which is what limits one SMTP connection with one round trip per mail.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def forward() -> None:
        while True:
            due, data = await chunks.get()
            if not data:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    sender = asyncio.create_task(forward())
    try:
        while data := await reader.read(65536):
            chunks.put_nowait((loop.time() + delay, data))
    except OSError:
        pass
    chunks.put_nowait((loop.time() + delay, b""))
    with contextlib.suppress(OSError):
        await sender


async def serve(listen_port: int, target_port: int, delay: float) -> None:
    async def handle(client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pump(client_reader, server_writer, delay),
            _pump(server_reader, client_writer, delay),
            return_exceptions=True,
        )
        for writer in (client_writer, server_writer):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, backlog=256)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--one-way-ms", type=float, default=25.0)
    options = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options.listen_port, options.target_port, options.one_way_ms / 1000))


if __name__ == "__main__":
    main()
