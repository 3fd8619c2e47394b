#!/usr/bin/python3
"""Crash test of `wbe serve`: acknowledged uploads must survive SIGKILL.

Usage: crash_test.py --wbe PATH/TO/wbe --cycles N [--seed S] [--keep DIR]

Prepares a data directory (`wbe simulate`, an admin and a lab token, the demo lab's method
registered through the API), then for each cycle starts `wbe serve --port 0`, checks that every
upload acknowledged so far (a 200 or 201 reply, in any earlier cycle) is listed with the same
version and that its archived bytes equal the bytes sent, runs a stream of uploads from four
client threads (new batches, re-sends of earlier bytes, corrected versions of existing batch
ids) and kills the server with SIGKILL after a random delay. A last start checks everything
once more and stops the server with SIGTERM, which must exit 0 and say "stopped cleanly"; the
HDF5 store must then open with `h5ls -r`.

Exit status 0 when nothing acknowledged was lost or changed, 1 otherwise (with the reason).
The working directory is removed on success unless --keep DIR names it; on failure it is kept
and its path printed. Standard library only.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

CLIENT_THREADS = 4
START_TIMEOUT_S = 180.0  # a start may rebuild the store from the archive
READY_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 90.0
METHOD_NAME = "wbe-demo-lab"


class TestFailure(Exception):
    pass


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def http_call(port, method, path, token=None, body=None, content_type=None,
              timeout=HTTP_TIMEOUT_S):
    """One request on a fresh connection: (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def run_checked(argv, what, timeout=300):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{what}: no exit within {timeout} s: {' '.join(argv)}")
    if done.returncode != 0:
        raise TestFailure(f"{what} failed (exit {done.returncode}): {' '.join(argv)}\n"
                          f"{done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout.decode(errors="replace")


def find_method_file():
    """The demo lab's method: $WBE_DATA_DIR, the source tree around this script, or cwd."""
    relative = os.path.join("data-schemas", "examples", "wbe-demo-lab.method.json")
    here = os.path.dirname(os.path.abspath(__file__))
    roots = [os.environ.get("WBE_DATA_DIR", ""),
             os.path.normpath(os.path.join(here, "..", "..", "..")), os.getcwd()]
    for root in roots:
        if root and os.path.isfile(os.path.join(root, relative)):
            return os.path.join(root, relative)
    raise TestFailure(f"cannot find {relative} (set WBE_DATA_DIR to the source tree)")


class BaseBatch:
    """A simulated long-format CSV batch whose id is rewritten to make new batches."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        lines = self.data.split(b"\n")
        header = lines[0].split(b",")
        if header[0] != b"batch_id" or len(lines) < 3:
            raise TestFailure(f"{path}: not a long-format batch CSV (first column batch_id)")
        self.batch_id = lines[1].split(b",")[0].decode()
        self.area_column = header.index(b"area")
        type_column = header.index(b"type")
        # Rows whose area a "corrected version" may change: samples with a non-zero area.
        self.correctable_rows = []
        for i, line in enumerate(lines[1:], start=1):
            cells = line.split(b",")
            if len(cells) == len(header) and cells[type_column] == b"sample":
                try:
                    if float(cells[self.area_column]) > 0:
                        self.correctable_rows.append(i)
                except ValueError:
                    pass
        if not self.correctable_rows:
            raise TestFailure(f"{path}: no sample rows with a peak area")

    def renamed(self, new_id):
        return self.data.replace(self.batch_id.encode(), new_id.encode())

    def corrected(self, data, k):
        """Correction k (1, 2, ...) of `data`: one sample's area changed by k per mille."""
        lines = data.split(b"\n")
        row = self.correctable_rows[(k * 7919) % len(self.correctable_rows)]
        cells = lines[row].split(b",")
        area = float(cells[self.area_column]) * (1.0 + 0.001 * k)
        cells[self.area_column] = f"{area:.2f}".encode()
        lines[row] = b",".join(cells)
        return b"\n".join(lines)


class Ledger:
    """What was sent and what the server acknowledged, across all cycles."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}        # sha256 -> dict(batch_id, version, body, cycle)
        self.by_version = {}   # (batch_id, version) -> sha256
        self.sent = []         # (batch_id, body): every body sent, acknowledged or not
        self.families = {}     # batch_id -> [base, original bytes, corrections made]
        self.problems = []

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def record_ack(self, cycle, batch_id, body, status, reply, sent_at):
        """A 200/201 reply to a request sent at time.monotonic() `sent_at`."""
        sha = sha256_hex(body)
        problems = []
        if reply.get("sha256") != sha:
            problems.append(f"reply sha256 {reply.get('sha256')} != sha256 of the bytes sent {sha}")
        if reply.get("batch_id") != batch_id:
            problems.append(f"reply batch_id {reply.get('batch_id')!r} != sent {batch_id!r}")
        version = reply.get("version")
        if not isinstance(version, int) or version < 1:
            problems.append(f"reply version {version!r} is not a positive integer")
        if reply.get("already_ingested") != (status == 200):
            problems.append(f"status {status} with already_ingested {reply.get('already_ingested')}")
        with self.lock:
            earlier = self.acked.get(sha)
            # Only an acknowledgement that arrived before this request was sent must make it
            # "already ingested"; concurrent uploads of the same bytes may be answered in any
            # order.
            if earlier is not None and earlier["acked_at"] < sent_at and status != 200:
                problems.append(
                    f"bytes acknowledged in cycle {earlier['cycle']} as {earlier['batch_id']} "
                    f"v{earlier['version']} were taken as new (status {status}, version "
                    f"{version}): the earlier acknowledgement was lost")
            if earlier is not None and earlier["version"] != version:
                problems.append(f"answered version {version}; the same bytes were acknowledged "
                                f"as v{earlier['version']} in cycle {earlier['cycle']}")
            holder = self.by_version.get((batch_id, version))
            if holder is not None and holder != sha:
                problems.append(f"{batch_id} v{version} acknowledged for two different files "
                                f"({holder} and {sha})")
            if problems:
                self.problems.append(f"cycle {cycle}: upload of {batch_id} (sha256 {sha}), "
                                     f"reply {status}: " + "; ".join(problems))
                return
            if earlier is None:
                self.acked[sha] = {"batch_id": batch_id, "version": version, "body": body,
                                   "cycle": cycle, "acked_at": time.monotonic()}
                self.by_version[(batch_id, version)] = sha


class Server:
    """One `wbe serve` process on port 0."""

    def __init__(self, wbe, data_dir, log_path):
        self.data_dir = data_dir
        self.log = open(log_path, "w", encoding="utf-8")
        self.lines = []
        self.listening = threading.Event()
        run_json = os.path.join(data_dir, "run", "server.json")
        self.proc = subprocess.Popen(
            [wbe, "serve", "--data", data_dir, "--port", "0", "--draws", "50"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.listening.wait(0.05):
            if self.proc.poll() is not None:
                self.reader.join(5)
                raise TestFailure(f"wbe serve exited with {self.proc.returncode} before listening:"
                                  f"\n{self.tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise TestFailure(f"wbe serve did not report listening within {START_TIMEOUT_S} s:"
                                  f"\n{self.tail()}")
        # server.json is written before the listening line; it must name this process.
        with open(run_json, encoding="utf-8") as f:
            run = json.load(f)
        if run.get("pid") != self.proc.pid:
            raise TestFailure(f"{run_json} names pid {run.get('pid')}, not {self.proc.pid}")
        self.port = int(run["port"])

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            self.log.write(line)
            self.log.flush()
            if "listening on http://" in line:
                self.listening.set()

    def tail(self, n=30):
        return "".join(self.lines[-n:])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(10)
        self.log.close()

    def terminate(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure(f"wbe serve did not stop within {STOP_TIMEOUT_S} s of SIGTERM:\n"
                              f"{self.tail()}")
        self.reader.join(10)
        self.log.close()
        return code


def wait_ready(server):
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise TestFailure(f"wbe serve exited with {server.proc.returncode} while starting:\n"
                              f"{server.tail()}")
        try:
            status, _, body = http_call(server.port, "GET", "/api/v1/ready", timeout=10)
            if status == 200:
                ready = json.loads(body)
                if ready.get("ready") is not True:
                    raise TestFailure(f"/ready answered 200 but not ready: {ready}")
                return ready
            last = f"{status} {body[:300]!r}"
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(0.2)
    raise TestFailure(f"/ready did not answer 200 within {READY_TIMEOUT_S} s (last: {last})\n"
                      f"{server.tail()}")


def verify_all(server, ledger, lab_token, cycle):
    """Every acknowledged upload is listed with its version and its raw bytes are unchanged."""
    status, _, body = http_call(server.port, "GET", "/api/v1/batches", token=lab_token)
    if status != 200:
        raise TestFailure(f"cycle {cycle}: GET /batches answered {status}: {body[:500]!r}")
    listed = {}
    for row in json.loads(body)["batches"]:
        listed[(row["batch_id"], row["version"])] = row["sha256"]
    lost = []
    with ledger.lock:
        acked = list(ledger.acked.items())
    for sha, ack in acked:
        key = (ack["batch_id"], ack["version"])
        where = (f"{ack['batch_id']} v{ack['version']} (sha256 {sha}, acknowledged in cycle "
                 f"{ack['cycle']})")
        if key not in listed:
            versions = sorted(v for (b, v) in listed if b == ack["batch_id"])
            lost.append(f"{where}: not listed by GET /batches (versions listed: {versions})")
            continue
        if listed[key] != sha:
            lost.append(f"{where}: GET /batches lists that version with sha256 {listed[key]}")
            continue
        path = (f"/api/v1/batches/{urllib.parse.quote(ack['batch_id'], safe='')}/raw"
                f"?version={ack['version']}")
        status, headers, raw = http_call(server.port, "GET", path, token=lab_token)
        if status != 200:
            lost.append(f"{where}: GET raw answered {status}: {raw[:300]!r}")
        elif sha256_hex(raw) != sha or raw != ack["body"]:
            lost.append(f"{where}: raw bytes differ from those sent ({len(raw)} bytes, sha256 "
                        f"{sha256_hex(raw)}; sent {len(ack['body'])} bytes)")
        elif headers.get("x-content-sha256") != sha:
            lost.append(f"{where}: X-Content-SHA256 {headers.get('x-content-sha256')}")
    if lost:
        raise TestFailure(f"after restart {cycle}: {len(lost)} of {len(acked)} acknowledged "
                          "uploads lost or changed:\n  " + "\n  ".join(lost[:50]))
    return len(acked)


class UploadStream:
    """Four client threads uploading until the server goes away."""

    def __init__(self, server, ledger, bases, lab_token, cycle, seed):
        self.server = server
        self.ledger = ledger
        self.bases = bases
        self.lab_token = lab_token
        self.cycle = cycle
        self.seed = seed
        self.killed = threading.Event()
        self.in_flight = [False] * CLIENT_THREADS
        self.replies = 0
        self.attempts = 0
        self.acked_by_kind = {"new": 0, "resend": 0, "correction": 0}
        self.count_lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(t,), daemon=True)
                        for t in range(CLIENT_THREADS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join(HTTP_TIMEOUT_S + 10)
            if thread.is_alive():
                raise TestFailure(f"cycle {self.cycle}: an upload client did not finish")

    def uploads_in_flight(self):
        return any(self.in_flight)

    def _next_upload(self, rng, t, n):
        ledger = self.ledger
        op = rng.random()
        with ledger.lock:
            if op < 0.15 and ledger.sent:
                batch_id, body = rng.choice(ledger.sent)
                return batch_id, body, "resend"
            if op < 0.35 and ledger.families:
                batch_id = rng.choice(sorted(ledger.families))
                family = ledger.families[batch_id]
                family[2] += 1
                body = family[0].corrected(family[1], family[2])
                ledger.sent.append((batch_id, body))
                return batch_id, body, "correction"
            base = rng.choice(self.bases)
            batch_id = f"{base.batch_id}-c{self.cycle}t{t}n{n}"
            body = base.renamed(batch_id)
            ledger.families[batch_id] = [base, body, 0]
            ledger.sent.append((batch_id, body))
            return batch_id, body, "new"

    def _client(self, t):
        rng = random.Random(f"{self.seed}/{self.cycle}/{t}")
        n = 0
        while not self.killed.is_set():
            batch_id, body, kind = self._next_upload(rng, t, n)
            n += 1
            query = urllib.parse.urlencode({"method": METHOD_NAME, "filename": batch_id + ".csv"})
            self.in_flight[t] = True
            sent_at = time.monotonic()
            try:
                with self.count_lock:
                    self.attempts += 1
                status, _, reply = http_call(self.server.port, "POST", "/api/v1/batches?" + query,
                                             token=self.lab_token, body=body,
                                             content_type="text/csv")
            except (OSError, http.client.HTTPException) as e:
                if not self.killed.is_set():
                    self.ledger.problem(f"cycle {self.cycle}: {kind} upload of {batch_id} failed "
                                        f"before the kill: {e!r}")
                return  # unacknowledged: nothing to check later
            finally:
                self.in_flight[t] = False
            if status in (200, 201):
                with self.count_lock:
                    self.replies += 1
                    self.acked_by_kind[kind] += 1
                try:
                    parsed = json.loads(reply)
                except ValueError:
                    self.ledger.problem(f"cycle {self.cycle}: {status} reply is not JSON: "
                                        f"{reply[:300]!r}")
                    return
                self.ledger.record_ack(self.cycle, batch_id, body, status, parsed, sent_at)
            elif status == 503:
                time.sleep(0.2)  # overloaded: try something else
            else:
                self.ledger.problem(f"cycle {self.cycle}: {kind} upload of {batch_id} answered "
                                    f"{status}: {reply[:500]!r}")
                return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wbe", required=True, help="the wbe executable")
    parser.add_argument("--cycles", type=int, required=True, help="start/upload/kill cycles")
    parser.add_argument("--seed", type=int, default=1, help="seed of delays and upload mix")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (new or empty) and keep it")
    parser.add_argument("--time-limit", type=float, default=540.0,
                        help="fail when the whole test takes longer (seconds)")
    args = parser.parse_args()
    if args.cycles < 1:
        parser.error("--cycles must be at least 1")
    wbe = os.path.abspath(args.wbe)
    if not os.access(wbe, os.X_OK):
        parser.error(f"--wbe {args.wbe}: not an executable")

    if args.keep:
        work = os.path.abspath(args.keep)
        os.makedirs(work, exist_ok=True)
        if os.listdir(work):
            parser.error(f"--keep {args.keep}: the directory is not empty")
    else:
        work = tempfile.mkdtemp(prefix="wbe-crash-test-")
    started = time.monotonic()
    try:
        summary = run(args, wbe, work, started)
    except TestFailure as e:
        print(f"crash test FAILED: {e}", file=sys.stderr)
        print(f"crash test: work directory kept for inspection: {work}", file=sys.stderr)
        return 1
    print(summary)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run(args, wbe, work, started):
    data = os.path.join(work, "data")
    rng = random.Random(args.seed)

    def check_time(what):
        if time.monotonic() - started > args.time_limit:
            raise TestFailure(f"over the time limit of {args.time_limit} s ({what})")

    run_checked([wbe, "simulate", "--out", data, "--days", "14", "--seed", "1"], "wbe simulate")
    batch_dir = os.path.join(data, "inputs", "lab-batches")
    bases = [BaseBatch(os.path.join(batch_dir, name)) for name in sorted(os.listdir(batch_dir))
             if name.endswith(".csv")]
    if not bases:
        raise TestFailure(f"wbe simulate wrote no lab batches under {batch_dir}")

    def token(role, name):
        out = run_checked([wbe, "token", "create", "--data", data, "--role", role, "--name", name],
                          f"wbe token create --role {role}")
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        if not lines or not lines[-1].startswith("wbe_"):
            raise TestFailure(f"wbe token create printed no token:\n{out}")
        return lines[-1]

    admin_token = token("admin", "crash-admin")
    lab_token = token("lab", "crash-lab")
    with open(find_method_file(), "rb") as f:
        method_bytes = f.read()

    # Corrections go to batch ids this lab uploaded: the simulated batches belong to another
    # uploader, and a lab may not add versions to another lab's batch (403).
    ledger = Ledger()
    kills_during_uploads = 0
    kills_before_first_reply = 0
    checked = 0
    for cycle in range(1, args.cycles + 1):
        check_time(f"starting cycle {cycle}")
        server = Server(wbe, data, os.path.join(work, f"serve-{cycle}.log"))
        try:
            wait_ready(server)
            if cycle == 1:
                status, _, body = http_call(server.port, "PUT", f"/api/v1/methods/{METHOD_NAME}",
                                            token=admin_token, body=method_bytes,
                                            content_type="application/json")
                if status not in (200, 201):
                    raise TestFailure(f"PUT /methods/{METHOD_NAME} answered {status}: "
                                      f"{body[:500]!r}")
            checked = verify_all(server, ledger, lab_token, cycle)
            delay = rng.uniform(0.05, 1.5)
            stream = UploadStream(server, ledger, bases, lab_token, cycle, args.seed)
            stream.start()
            time.sleep(delay)
            if server.proc.poll() is not None:
                raise TestFailure(f"cycle {cycle}: wbe serve died on its own "
                                  f"(exit {server.proc.returncode}):\n{server.tail()}")
            during = stream.uploads_in_flight()
            with stream.count_lock:
                before_first_reply = stream.replies == 0
            stream.killed.set()
            server.kill()
            stream.join()
        except BaseException:
            server.kill()
            raise
        kills_during_uploads += 1 if during else 0
        kills_before_first_reply += 1 if before_first_reply else 0
        print(f"cycle {cycle}: {checked} acknowledged uploads verified after start; killed after "
              f"{delay:.2f} s ({stream.attempts} uploads sent, {stream.replies} answered"
              f"{', uploads in flight' if during else ''}; answered: "
              f"{stream.acked_by_kind['new']} new, {stream.acked_by_kind['resend']} re-sent, "
              f"{stream.acked_by_kind['correction']} corrected)", flush=True)
        if ledger.problems:
            raise TestFailure("\n".join(ledger.problems[:50]))

    check_time("final start")
    server = Server(wbe, data, os.path.join(work, "serve-final.log"))
    try:
        ready = wait_ready(server)
        checked = verify_all(server, ledger, lab_token, args.cycles + 1)
    except BaseException:
        server.kill()
        raise
    code = server.terminate()
    if code != 0:
        raise TestFailure(f"wbe serve exited {code} after SIGTERM (expected 0):\n{server.tail()}")
    if not any("stopped cleanly" in line for line in server.lines):
        raise TestFailure(f"wbe serve did not print 'stopped cleanly' after SIGTERM:\n"
                          f"{server.tail()}")
    store = os.path.join(data, "wbe-store.h5")
    h5ls = shutil.which("h5ls")
    if h5ls is None:
        raise TestFailure("h5ls not found (install hdf5-tools)")
    run_checked([h5ls, "-r", store], "h5ls -r of the store after a clean stop", timeout=120)
    print(f"final start: manifest_seq {ready.get('manifest_seq')}, store_seq "
          f"{ready.get('store_seq')}; SIGTERM: exit 0, stopped cleanly; h5ls -r: ok; "
          f"{kills_before_first_reply} kills before the first reply; "
          f"{time.monotonic() - started:.0f} s", flush=True)
    return (f"crash test: {args.cycles} cycles, {checked} acknowledged uploads checked "
            f"byte-for-byte, {kills_during_uploads} kills during uploads, 0 lost")


if __name__ == "__main__":
    sys.exit(main())
