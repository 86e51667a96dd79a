"""A moto S3 server for `npm run bench:verify` (bench/verify.mjs), seeded fast.

The same moto as `moto_server` (werkzeug's threaded server around moto's DomainDispatcherApplication,
as moto's own ThreadedMotoServer builds it), started in this process so that hundreds of thousands
of objects can be written through moto's S3 backend directly instead of one HTTP PutObject each
(moto takes ~350 PUT/s over HTTP; the backend takes tens of thousands per second). Buckets are
created and configured by the benchmark over HTTP with the AWS SDK; only the objects are seeded here.
Reads (everything drc verify does) go over HTTP as usual.

Every request is timed in a small WSGI wrapper (wall time and this thread's CPU time) and counted by
kind, so the benchmark can say where the time goes.

Protocol: prints one JSON line {"port": N} when listening; then reads JSON commands, one per line,
on stdin and answers each with one JSON line on stdout:
  {"op": "seed", ...}  writes the backups (see seed() below)
  {"op": "stats"}      request counts and times since the last "stats", then resets them
                       (also GET /_bench/stats on the server, for runs by hand with BENCH_VERIFY_HOLD=1)
  {"op": "quit"}       stops
Request logging is off (moto_server logs every request to stderr; that costs a little per request).

`--indexed` (a bench-only patch, never the default): ListObjects(V2) finds the keys under the prefix
by binary search in a sorted index of key names instead of scanning every key of the bucket, which
is what stock moto does on every call (so a listing costs O(keys in the bucket), where S3 lists from
an index). The responses are the same; the seed command checks that on a sample of prefixes. It shows
what verify itself costs when the server's listing does not grow with the bucket.

`--latency-ms=N` delays every answer by N ms (a sleep, which holds no lock), as a network round trip
to a remote S3 endpoint would; used to see how verify's request pattern and --concurrency behave
when latency rather than the server's CPU is the limit.
"""

import bisect
import hashlib
import json
import logging
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import FakeDeleteMarker, FakeTableStorageBucket, S3Backend, s3_backends

CONFIG_QUERIES = ("versioning", "encryption", "object-lock", "replication", "lifecycle")


def kind_of(environ):
    method = environ.get("REQUEST_METHOD", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return "moto-api"
    for q in CONFIG_QUERIES:
        if q in query:
            return f"{method} ?{q}"
    bucket_only = "/" not in path.strip("/")  # path-style: /bucket or /bucket/key
    if method == "GET" and bucket_only:
        return "ListObjectsV2 (delimiter)" if "delimiter" in query else "ListObjectsV2"
    if method == "GET":
        return "GetObject"
    if method == "HEAD":
        return "HeadObject"
    return f"{method} {'bucket' if bucket_only else 'object'}"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.kinds = {}
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()

    def add(self, kind, wall, cpu):
        with self.lock:
            k = self.kinds.setdefault(kind, {"count": 0, "wall_s": 0.0, "cpu_s": 0.0})
            k["count"] += 1
            k["wall_s"] += wall
            k["cpu_s"] += cpu

    def take(self):
        with self.lock:
            out = {
                "kinds": self.kinds,
                "elapsed_s": time.perf_counter() - self.started,
                "process_cpu_s": time.process_time() - self.cpu_started,
            }
            self.reset()
            return out


STATS = Stats()
LATENCY_S = 0.0


class Timed:
    """WSGI wrapper: times each request including the body it returns."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_bench/stats":
            body = json.dumps(STATS.take()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        kind = kind_of(environ)
        if LATENCY_S:
            time.sleep(LATENCY_S)  # outside the timed part: it stands for the network, not for moto
        t0 = time.perf_counter()
        c0 = time.thread_time()
        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        STATS.add(kind, time.perf_counter() - t0, time.thread_time() - c0)
        return [body]


# ---- --indexed: a sorted key index for listings (bench-only) ------------------------------------
_STOCK_LIST_OBJECTS = S3Backend.list_objects
_STOCK_PUT_OBJECT = S3Backend.put_object
_STOCK_DELETE_OBJECT = S3Backend.delete_object
_INDEX = {}  # bucket name -> sorted key names
_INDEX_LOCK = threading.Lock()


def _sorted_names(bucket):
    with _INDEX_LOCK:
        names = _INDEX.get(bucket.name)
        if names is None:
            names = sorted(dict.keys(bucket.keys))
            _INDEX[bucket.name] = names
        return names


def _indexed_list_objects(self, bucket, prefix, delimiter, marker, max_keys):
    """moto's S3Backend.list_objects, visiting only the keys under `prefix` (same results)."""
    if isinstance(bucket, FakeTableStorageBucket) or not prefix:
        return _STOCK_LIST_OBJECTS(self, bucket, prefix, delimiter, marker, max_keys)
    names = _sorted_names(bucket)
    key_results = set()
    folder_results = set()
    i = bisect.bisect_left(names, prefix)
    while i < len(names) and names[i].startswith(prefix):
        key_name = names[i]
        i += 1
        key = bucket.keys.get(key_name)
        if key is None:
            continue
        key_without_prefix = key_name.replace(prefix, "", 1)
        if delimiter and delimiter in key_without_prefix:
            folder_results.add(f"{prefix}{key_without_prefix.split(delimiter)[0]}{delimiter}")
        else:
            key_results.add(key)
    key_results = sorted((k for k in key_results if not isinstance(k, FakeDeleteMarker)), key=lambda k: k.name)
    folder_results = sorted(folder_results)
    if marker:
        limit = self._pagination_tokens.get(marker) or marker
        key_results = self._get_results_from_token(key_results, limit)
    if max_keys is not None:
        key_results, is_truncated, next_marker = self._truncate_result(key_results, max_keys)
    else:
        is_truncated, next_marker = False, None
    return key_results, folder_results, is_truncated, next_marker


def _invalidating(stock):
    def wrapper(self, bucket_name, *args, **kwargs):
        with _INDEX_LOCK:
            _INDEX.pop(bucket_name, None)
        return stock(self, bucket_name, *args, **kwargs)
    return wrapper


def use_index():
    S3Backend.list_objects = _indexed_list_objects
    S3Backend.put_object = _invalidating(_STOCK_PUT_OBJECT)
    S3Backend.delete_object = _invalidating(_STOCK_DELETE_OBJECT)


def check_index(buckets, prefixes):
    """The indexed listing returns exactly what stock moto returns (sample of prefixes, both views)."""
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    checked = 0
    for name in buckets:
        bucket = backend.get_bucket(name)
        for prefix in prefixes:
            for delimiter in ("/", None):
                got = _indexed_list_objects(backend, bucket, prefix, delimiter, None, None)
                want = _STOCK_LIST_OBJECTS(backend, bucket, prefix, delimiter, None, None)
                if [k.name for k in got[0]] != [k.name for k in want[0]] or list(got[1]) != list(want[1]):
                    raise AssertionError(f"indexed listing differs from moto's for s3://{name}/{prefix} delimiter={delimiter!r}")
                checked += 1
    return checked


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(cmd):
    """Backups of every service in every bucket, in the layout of policy-language.md §10.1.

    cmd: now_ms, backups (per service), interval_s (between backups), newest_age_s (how long ago the
    newest finished), duration_s (started_at = finished_at - duration), policy_sha256, drc_version,
    encryption, buckets [{bucket, region}] (primary first), services [{name, kind, prefix, payload}],
    restore_tests {count, interval_s, newest_age_s} (records in the primary bucket only).
    """
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    now = datetime.fromtimestamp(cmd["now_ms"] / 1000, tz=timezone.utc).replace(microsecond=0)
    t0 = time.perf_counter()
    objects = 0
    for svc in cmd["services"]:
        prefix = svc["prefix"]
        for b in range(cmd["backups"]):
            finished = now - timedelta(seconds=cmd["newest_age_s"] + b * cmd["interval_s"])
            started = finished - timedelta(seconds=cmd["duration_s"])
            folder = f"{prefix}{stamp(started)}/"
            payload = f"{svc['name']} backup {stamp(started)}\n".encode() * 4
            sha = hashlib.sha256(payload).hexdigest()
            for target in cmd["buckets"]:
                manifest = {
                    "service": svc["name"],
                    "kind": svc["kind"],
                    "policy": cmd["policy"],
                    "timestamp": stamp(started),
                    "started_at": rfc3339(started),
                    "finished_at": rfc3339(finished),
                    "key": folder + svc["payload"],
                    "payload": svc["payload"],
                    "bytes": len(payload),
                    "sha256": sha,
                    "encryption": cmd["encryption"],
                    "region": target["region"],
                    "bucket": target["bucket"],
                    "policy_sha256": cmd["policy_sha256"],
                    "drc_version": cmd["drc_version"],
                }
                # Payload first, manifest last, as backup.sh writes them.
                backend.put_object(target["bucket"], folder + svc["payload"], payload, disable_notification=True)
                backend.put_object(target["bucket"], folder + "manifest.json",
                                   json.dumps(manifest, indent=2).encode(), disable_notification=True)
                objects += 2
        rt = cmd.get("restore_tests")
        if rt:
            primary = cmd["buckets"][0]["bucket"]
            for i in range(rt["count"]):
                at = now - timedelta(seconds=rt["newest_age_s"] + i * rt["interval_s"])
                record = {"service": svc["name"], "status": "ok", "finished_at": rfc3339(at), "duration_seconds": 42}
                backend.put_object(primary, f"{prefix}restore-tests/{stamp(at)}.json", json.dumps(record).encode(),
                                   disable_notification=True)
                objects += 1
    seconds = time.perf_counter() - t0
    out = {"objects": objects, "seconds": seconds}
    if S3Backend.list_objects is _indexed_list_objects:
        services = cmd["services"]
        sample = [services[0]["prefix"], services[len(services) // 2]["prefix"], services[-1]["prefix"] + "restore-tests/"]
        out["index_checked"] = check_index([b["bucket"] for b in cmd["buckets"]], sample)
    return out


def listen(port):
    """Binds 127.0.0.1:port, or a random free port in 20000-32000 (below the ephemeral range)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Timed(DomainDispatcherApplication(create_backend_app))
    if port:
        return make_server("127.0.0.1", port, app, threaded=True)
    last = None
    for _ in range(50):
        try:
            return make_server("127.0.0.1", random.randrange(20000, 32000), app, threaded=True)
        except OSError as e:
            last = e
    raise last


def main():
    global LATENCY_S
    args = sys.argv[1:]
    for a in list(args):
        if a.startswith("--latency-ms="):
            LATENCY_S = float(a.split("=", 1)[1]) / 1000
            args.remove(a)
    if "--indexed" in args:
        args.remove("--indexed")
        use_index()
    server = listen(int(args[0]) if args else 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "seed":
                out = seed(cmd)
            elif op == "stats":
                out = STATS.take()
            elif op == "quit":
                break
            else:
                out = {"error": f"unknown op {op!r}"}
        except Exception as e:  # noqa: BLE001 - reported to the benchmark
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
