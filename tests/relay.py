"""A TCP relay, so that test hosts in network namespaces reach services that
listen on this machine's loopback interface (PostgreSQL, Redis)::

    python -m tests.relay 198.18.7.1:5432=127.0.0.1:5432 198.18.7.1:6379=127.0.0.1:6379

Runs until killed. No Django: it only copies bytes.
"""

import asyncio
import sys


async def copy(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def relay(listen, target):
    async def connect(client_reader, client_writer):
        try:
            reader, writer = await asyncio.open_connection(*target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(copy(client_reader, writer), copy(reader, client_writer))

    return await asyncio.start_server(connect, *listen, reuse_address=True)


def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


async def main(pairs):
    servers = [
        await relay(address(listen), address(target))
        for listen, target in (pair.split("=") for pair in pairs)
    ]
    print("relaying", " ".join(pairs), flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
