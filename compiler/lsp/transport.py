"""The language server's stdio transport: LSP frames read robustly.

Each message is a header block (``Content-Length: N``, a blank line) and N bytes of
JSON. A client that miscounts must not leave the server alive and silent forever:

* a body that is not valid JSON, or a header block without a usable length, makes
  the reader skip to the next ``Content-Length:`` header and go on from there;
* when fewer bytes arrive than announced and the input falls idle, the bytes that
  did arrive are used if they hold a complete JSON message (the client counted
  too many), and skipped otherwise;
* a frame over `MAX_FRAME_BYTES` is skipped, and the end of the input ends the
  server cleanly;
* a request whose parameters do not fit the protocol (a hover at line -1) is
  answered with the JSON-RPC error "invalid params" instead of silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from typing import BinaryIO

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcParseError
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

MAX_FRAME_BYTES = 256 * 2**20
IDLE_SECONDS = 0.5
_HEADER = re.compile(rb"Content-Length:[ \t]*(\d+)[ \t]*\r?\n", re.IGNORECASE)
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
logger = logging.getLogger(__name__)


class FrameReader:
    """Splits a byte stream into message bodies, resynchronising after bad frames."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed = False

    def feed(self, data: bytes) -> None:
        if data:
            self.buffer += data
        else:
            self.closed = True

    def _skip_to_next_header(self, start: int = 0) -> None:
        found = _HEADER.search(self.buffer, start)
        if found is None:
            # keep a tail that may be the start of a header cut in two
            del self.buffer[: max(0, len(self.buffer) - 32)]
        else:
            del self.buffer[: found.start()]

    def next_body(self, idle: bool) -> bytes | None:
        """The next complete body, or None when more input is needed.

        ``idle`` says the input has been quiet for a while: an incomplete body is
        then taken as complete if it parses (and skipped otherwise).
        """
        while True:
            header = _HEADER.search(self.buffer)
            if header is None:
                self._skip_to_next_header()
                return None
            if header.start() > 0:
                del self.buffer[: header.start()]
                continue
            end = _END_OF_HEADERS.search(self.buffer, header.end() - 2)
            if end is None:
                if len(self.buffer) > 4096 or idle:  # no blank line after the headers
                    self._skip_to_next_header(1)
                    continue
                return None
            length = int(header.group(1))
            start = end.end()
            if length > MAX_FRAME_BYTES:
                logger.error("skipped a frame of %d bytes (over the limit)", length)
                self._skip_to_next_header(start)
                continue
            if len(self.buffer) - start < length and not (idle or self.closed):
                return None
            body = bytes(self.buffer[start : start + length])
            if len(body) == length and _parses(body):
                del self.buffer[: start + length]
                return body
            # a miscounted frame: take a complete JSON value at its start, else skip it
            prefix = _json_prefix(bytes(self.buffer[start:]))
            if prefix is not None:
                used, value = prefix
                del self.buffer[: start + used]
                return value
            if not (idle or self.closed) and _HEADER.search(self.buffer, start) is None:
                return None  # the rest of the message may still be on its way
            logger.error("skipped a frame whose Content-Length does not match its body")
            self._skip_to_next_header(start)


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _json_prefix(data: bytes) -> tuple[int, bytes] | None:
    """The byte length and bytes of a JSON object at the start of ``data``, if any."""
    text = data.decode("utf-8", "surrogateescape")
    begin = len(text) - len(text.lstrip())
    if text[begin : begin + 1] != "{":
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(text, begin)
    except ValueError:
        return None
    value = text[begin:end].encode("utf-8", "surrogateescape")
    return len(text[:end].encode("utf-8", "surrogateescape")), value


def _read_chunks(
    stdin: BinaryIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes]
) -> None:
    fd = stdin.fileno()
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            data = b""
        loop.call_soon_threadsafe(queue.put_nowait, data)
        if not data:
            return


def handle_body(server: LanguageServer, body: bytes) -> None:
    """Give one message to the server's protocol; answer bad requests with an error."""
    protocol = server.protocol
    try:
        raw = json.loads(body)
    except ValueError:
        logger.error("skipped a message that is not JSON")
        return
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except JsonRpcException as exc:
        if isinstance(raw, dict) and "id" in raw and "method" in raw:
            error = exc if not isinstance(exc, JsonRpcParseError) else JsonRpcInvalidParams()
            protocol._send_response(raw["id"], error=error.to_response_error())
        return
    except Exception:
        if isinstance(raw, dict) and "id" in raw and "method" in raw:
            protocol._send_response(raw["id"], error=JsonRpcInvalidParams().to_response_error())
        return
    protocol.handle_message(message)


async def _serve(server: LanguageServer, stdin: BinaryIO, stop: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    threading.Thread(target=_read_chunks, args=(stdin, loop, queue), daemon=True).start()
    frames = FrameReader()
    while not stop.is_set():
        idle = False
        try:
            frames.feed(await asyncio.wait_for(queue.get(), IDLE_SECONDS))
        except TimeoutError:
            idle = True
        while (body := frames.next_body(idle)) is not None:
            handle_body(server, body)
            await asyncio.sleep(0)  # let handlers run between messages
        if frames.closed:
            return


def serve_io(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Run ``server`` over the byte streams until the input ends or the client says exit."""
    stop = threading.Event()
    server._stop_event = stop
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_serve(server, stdin, stop))
    except BrokenPipeError:
        logger.error("the client closed the connection")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


__all__ = ["MAX_FRAME_BYTES", "FrameReader", "handle_body", "serve_io"]
