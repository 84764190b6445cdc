#!/usr/bin/env python3
"""A partner that answers every request 200 after a fixed delay: HTTP/1.1 with keep-alive on
several loopback ports (asyncio, one process). Logs one line per answer (monotonic ns, port)
to OUT so the caller can compute deliveries/s.

    slow_sink.py DELAY_MS OUT PORT [PORT ...]
"""
import asyncio
import sys
import time

DELAY = int(sys.argv[1]) / 1000.0
OUT = open(sys.argv[2], "w", buffering=1)  # line-buffered: the caller counts lines as they come
PORTS = [int(p) for p in sys.argv[3:]]
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"


async def serve(reader, writer, port):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            if length:
                await reader.readexactly(length)
            await asyncio.sleep(DELAY)
            writer.write(ANSWER)
            OUT.write(f"{time.monotonic_ns()} {port}\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    for port in PORTS:
        await asyncio.start_server(lambda r, w, p=port: serve(r, w, p), "127.0.0.1", port, backlog=1024)
    print("listening", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        OUT.flush()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    OUT.flush()
