#!/usr/bin/env python3
"""TEST DOUBLE OF CLICKHOUSE'S HTTP LAYER -- NOT A CLICKHOUSE SERVER.

A small HTTP front around the real ClickHouse 26.9 engine embedded as a library (PyPI
`chdb-core`, a persistent `chdb.session.Session(datadir)`). Every query, table engine, type,
setting and error comes from the real engine; only the HTTP protocol handling here is a
stand-in, written for what the Rust `clickhouse` crate (0.15, HTTP interface, validation on)
sends. It exists because no modern clickhouse-server binary can be installed on the test
machines (Debian only ships 18.16). Used by `ferroconnect_runtime::testkit::ChdbFront`.

Served:
  GET/HEAD /ping                      -> "Ok.\n"
  GET/POST /?query=...&<settings>     -> query param text, then "\n", then the body (ClickHouse's
                                         rule); `INSERT ... FORMAT <fmt>` takes the rest as data
  multipart/form-data bodies          -> fields `query` and `param_<name>` (server-side params)
  URL params: database, default_format, query_id (echoed), session_id/user/password (ignored),
  compress (ignored: responses are never compressed), decompress=1 (ClickHouse's block framing,
  LZ4 0x82 or none 0x02; checksums are not verified), param_<name>, any other = a setting for
  that one query.
Errors: `Code: N. DB::Exception: ...` with `X-ClickHouse-Exception-Code: N`, HTTP 400/404/500
as ClickHouse maps them.

Limits of the double: one engine session shared by all requests, calls into it serialized by a
lock; settings and `USE` in a request are undone after it (as ClickHouse's HTTP interface without
a session does); `session_id` does not create a session; a request body is read fully before it
is executed; responses are buffered, so an error never arrives mid-stream.

Usage: chdb_front.py --port PORT --data DIR
"""

import argparse
import json
import re
import signal
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import chdb
import chdb.session

try:
    import lz4.block as lz4_block
except ImportError:  # decompress=1 with LZ4 then answers an error naming the missing module
    lz4_block = None

ENGINE_VERSION = getattr(chdb, "engine_version", "26.9")

# HTTP status per ClickHouse error code, as ClickHouse's HTTP handler maps them (subset).
NOT_FOUND_CODES = {46, 47, 50, 56, 60, 63, 73, 81, 115}
BAD_REQUEST_CODES = {6, 26, 27, 32, 33, 36, 38, 41, 42, 43, 53, 62, 72, 117, 131}

IGNORED_PARAMS = {"query", "database", "default_format", "query_id", "session_id",
                  "session_timeout", "session_check", "user", "password", "compress",
                  "decompress", "quota_key", "role", "buffer_size", "wait_end_of_query"}

# Settings whose chdb default differs from clickhouse-server's (chdb: async_insert=1, and bare
# expressions run as SELECT); the front restores the server's defaults.
SERVER_DEFAULTS = {"async_insert": "0", "implicit_select": "0"}

INSERT_FORMAT_RE = re.compile(
    rb"^\s*(INSERT\s+INTO\s.*?)\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)", re.I | re.S)
SETTING_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CODE_RE = re.compile(r"Code: (\d+)\.")


class QueryError(Exception):
    """A ClickHouse-style error: code and full `Code: N. DB::Exception: ...` text."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def engine_error(exc):
    """Turns an exception from chdb into a QueryError with ClickHouse's code and text."""
    text = str(exc)
    text = re.sub(r"^Streaming insert finish failed: ", "", text)
    m = CODE_RE.search(text)
    code = int(m.group(1)) if m else 1001
    if m:
        text = text[m.start():]
    else:
        text = f"Code: 1001. DB::Exception: {text}"
    if "(version " not in text:
        text = f"{text} (version {ENGINE_VERSION})"
    return QueryError(code, text)


def bad_arguments(message):
    """An error the front itself raises, in ClickHouse's shape (BAD_ARGUMENTS)."""
    return QueryError(36, f"Code: 36. DB::Exception: {message}. (BAD_ARGUMENTS) "
                          f"(version {ENGINE_VERSION})")


def decompress_blocks(body):
    """Decodes ClickHouse's compressed framing: per block a 16-byte CityHash128 checksum (not
    verified here), a method byte (0x82 LZ4, 0x02 none), the compressed size (header of 9 bytes
    included) and the uncompressed size, both u32 LE, then the block."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        if len(body) - pos < 25:
            raise QueryError(271, "Code: 271. DB::Exception: Truncated compressed block header. "
                                  f"(CANNOT_DECOMPRESS) (version {ENGINE_VERSION})")
        method = body[pos + 16]
        csize, usize = struct.unpack_from("<II", body, pos + 17)
        data = body[pos + 25:pos + 16 + csize]
        if csize < 9 or len(data) != csize - 9:
            raise QueryError(271, "Code: 271. DB::Exception: Truncated compressed block. "
                                  f"(CANNOT_DECOMPRESS) (version {ENGINE_VERSION})")
        if method == 0x82:
            if lz4_block is None:
                raise QueryError(271, "Code: 271. DB::Exception: LZ4 block received but the "
                                      "python `lz4` module is not installed in the front's venv. "
                                      f"(CANNOT_DECOMPRESS) (version {ENGINE_VERSION})")
            out += lz4_block.decompress(data, uncompressed_size=usize)
        elif method == 0x02:
            out += data
        else:
            raise QueryError(271, f"Code: 271. DB::Exception: Unsupported compression method "
                                  f"0x{method:02x} (the front decodes LZ4 0x82 and none 0x02). "
                                  f"(CANNOT_DECOMPRESS) (version {ENGINE_VERSION})")
        pos += 16 + csize
    return bytes(out)


def parse_multipart(content_type, body):
    """Fields of a multipart/form-data body, as {name: bytes}."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise bad_arguments("multipart/form-data without a boundary")
    boundary = b"--" + m.group(1).encode()
    fields = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, _, value = part.partition(b"\r\n\r\n")
        if value.endswith(b"\r\n"):
            value = value[:-2]
        nm = re.search(rb'name="([^"]*)"', head)
        if nm:
            fields[nm.group(1).decode()] = value
    return fields


def sql_literal(value):
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Engine:
    """The chdb session, its lock and the per-request setting scope."""

    def __init__(self, datadir):
        self.session = chdb.session.Session(datadir)
        self.lock = threading.Lock()
        # chdb's embedded defaults differ from a server's here; behave like clickhouse-server.
        for name, value in SERVER_DEFAULTS.items():
            self.session.query(f"SET {name} = {value}")
        self.baseline = self._changed_settings()

    def _changed_settings(self):
        res = self.session.query("SELECT name, value FROM system.settings WHERE changed",
                                 "TabSeparated").bytes().decode()
        rows = [line.split("\t", 1) for line in res.splitlines() if line]
        return {name: value for name, value in rows}

    def _restore(self):
        """Undoes SET/USE done by a request: every setting back to its start-up value."""
        for name, value in self._changed_settings().items():
            if self.baseline.get(name) == value:
                continue
            if name == "database":
                self.session.query(f"USE `{self.baseline.get('database', 'default')}`")
            elif name in self.baseline:
                self.session.query(f"SET {name} = {sql_literal(self.baseline[name])}")
            else:
                self.session.query(f"SET {name} = DEFAULT")

    def run(self, text, data, fmt, out_format, settings, params, database):
        """Runs one request; returns (body bytes, summary dict)."""
        with self.lock:
            try:
                if database:
                    self.session.query(f"USE `{database}`")
                for name, value in settings.items():
                    self.session.query(f"SET {name} = {sql_literal(value)}")
                started = time.monotonic()
                if fmt is not None:
                    ins = self.session.send_insert(text, fmt)
                    try:
                        if data:
                            ins.append(data)
                        res = ins.finish()
                    finally:
                        ins.close()
                    body = b""
                else:
                    res = self.session.query(text, out_format, params=params or None)
                    body = res.bytes() if res is not None else b""
                summary = {"elapsed_ns": str(int((time.monotonic() - started) * 1e9))}
                for key in ("read_rows", "read_bytes", "written_rows", "written_bytes"):
                    attr = {"read_rows": "rows_read", "read_bytes": "bytes_read",
                            "written_rows": "rows_written",
                            "written_bytes": "bytes_written"}[key]
                    try:
                        value = getattr(res, attr)
                        summary[key] = str(int(value() if callable(value) else value))
                    except Exception:  # noqa: BLE001 - result kinds differ in what they count
                        summary[key] = "0"
                return body or b"", summary
            except QueryError:
                raise
            except Exception as exc:  # noqa: BLE001 - every engine error goes back to the client
                raise engine_error(exc) from exc
            finally:
                try:
                    self._restore()
                except Exception as exc:  # noqa: BLE001
                    print(f"chdb_front: restoring settings failed: {exc}", file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection (keep-alive, as hyper pools connections)."""

    protocol_version = "HTTP/1.1"
    server_version = "chdb-front (test double of ClickHouse's HTTP layer)"
    engine = None

    def log_message(self, format, *args):  # noqa: A002 - quiet unless asked
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/ping", "/ping/"):
            self._send(200, b"Ok.\n", [("Content-Type", "text/html; charset=UTF-8")])
        elif path == "/" and "query=" in self.path:
            self._handle(b"")
        elif path == "/":
            self._send(200, b"Ok.\n", [("Content-Type", "text/html; charset=UTF-8")])
        else:
            self._send(404, b"There is no handle " + path.encode() + b"\n")

    def do_POST(self):  # noqa: N802
        try:
            body = self._read_body()
        except Exception as exc:  # noqa: BLE001
            self._error(bad_arguments(f"cannot read the request body: {exc}"), "")
            return
        self._handle(body)

    def _error(self, err, query_id):
        status = 404 if err.code in NOT_FOUND_CODES else 400 if err.code in BAD_REQUEST_CODES \
            else 500
        self._send(status, (err.message + "\n").encode(),
                   [("X-ClickHouse-Exception-Code", str(err.code)),
                    ("X-ClickHouse-Query-Id", query_id),
                    ("Content-Type", "text/plain; charset=UTF-8")])

    def _handle(self, body):
        url = urllib.parse.urlsplit(self.path)
        qs = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        args = {k: v[-1] for k, v in qs.items()}
        query_id = args.get("query_id") or f"chdb-front-{time.monotonic_ns()}"
        try:
            params = {k[len("param_"):]: v for k, v in args.items() if k.startswith("param_")}
            ctype = self.headers.get("Content-Type", "")
            query_text = args.get("query", "").encode()
            if ctype.lower().startswith("multipart/form-data"):
                fields = parse_multipart(ctype, body)
                body = b""
                if "query" in fields:
                    query_text = fields.pop("query")
                for k, v in fields.items():
                    if k.startswith("param_"):
                        params[k[len("param_"):]] = v.decode()
            else:
                encoding = self.headers.get("Content-Encoding", "").lower()
                if encoding in ("gzip", "deflate"):
                    body = zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip"
                                           else zlib.MAX_WBITS)
                elif encoding not in ("", "identity"):
                    raise bad_arguments(f"Content-Encoding {encoding!r} is not supported by "
                                        "the chdb front (send decompress=1 block framing)")
                if args.get("decompress") == "1" and body:
                    body = decompress_blocks(body)
            settings = {}
            for k, v in args.items():
                if k in IGNORED_PARAMS or k.startswith("param_"):
                    continue
                if not SETTING_NAME_RE.match(k):
                    raise bad_arguments(f"invalid URL parameter name `{k}`")
                settings[k] = v
            full = query_text + b"\n" + body if query_text and body else query_text or body
            if not full.strip():
                raise bad_arguments("Empty query")
            fmt = None
            data = b""
            m = INSERT_FORMAT_RE.match(full[:len(query_text) + 65536])
            if m:
                text = m.group(1).decode().strip()
                fmt = m.group(2).decode()
                pos = m.end()
                while pos < len(full) and full[pos] in b" \t":
                    pos += 1
                if full[pos:pos + 2] == b"\r\n":
                    pos += 2
                elif full[pos:pos + 1] == b"\n":
                    pos += 1
                data = full[pos:]
            else:
                text = full.decode()
            out_format = args.get("default_format") or "TabSeparated"
            result, summary = self.engine.run(text, data, fmt, out_format, settings, params,
                                              args.get("database"))
        except QueryError as err:
            self._error(err, query_id)
            return
        except Exception as exc:  # noqa: BLE001 - never drop the connection without an answer
            self._error(bad_arguments(f"chdb front: {exc}"), query_id)
            return
        summary.setdefault("total_rows_to_read", "0")
        summary["result_rows"] = "0"
        summary["result_bytes"] = str(len(result))
        self._send(200, result, [
            ("Content-Type", "text/tab-separated-values; charset=UTF-8"),
            ("X-ClickHouse-Query-Id", query_id),
            ("X-ClickHouse-Server-Display-Name", "chdb-front"),
            ("X-ClickHouse-Format", out_format),
            ("X-ClickHouse-Summary", json.dumps(summary, separators=(",", ":"))),
        ])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--data", required=True, help="chdb session directory (persistent)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    Handler.engine = Engine(a.data)
    server = ThreadingHTTPServer((a.host, a.port), Handler)
    server.daemon_threads = True
    server.verbose = a.verbose

    def stop(_sig, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"chdb_front: TEST DOUBLE of ClickHouse's HTTP layer around chdb {ENGINE_VERSION} "
          f"on http://{a.host}:{a.port} (data {a.data})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        Handler.engine.session.close()


if __name__ == "__main__":
    main()
