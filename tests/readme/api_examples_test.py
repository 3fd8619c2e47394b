#!/usr/bin/env python3
"""Runs the README's API examples against a fresh `wbe serve --demo`.

The block between <!-- api-examples:begin --> and <!-- api-examples:end --> in README.md is
run with bash in a temporary folder where `wbe serve --demo` prepared ./var, with the port
changed from 8080 to a free one. Fails when any command fails or an expected answer is missing.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time


def fail(message):
    print("api examples: FAIL: " + message)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wbe", required=True, help="path to the wbe binary")
    parser.add_argument("--readme", required=True, help="path to README.md")
    args = parser.parse_args()

    text = open(args.readme, encoding="utf-8").read()
    match = re.search(r"<!-- api-examples:begin -->\s*```sh\n(.*?)```\s*<!-- api-examples:end -->",
                      text, re.S)
    if not match:
        fail("no api-examples block in " + args.readme)
    port = free_port()
    script = match.group(1).replace("127.0.0.1:8080", "127.0.0.1:%d" % port)

    with tempfile.TemporaryDirectory(prefix="wbe-readme-") as work:
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [args.wbe, "serve", "--demo", "--port", str(port), "--draws", "200"],
                cwd=work, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            while "listening on" not in open(log_path).read():
                if server.poll() is not None:
                    fail("wbe serve --demo exited early:\n" + open(log_path).read())
                if time.monotonic() > deadline:
                    fail("wbe serve --demo did not start within 300 s")
                time.sleep(0.2)  # waiting for a process to start, not ordering our own threads
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work,
                                 capture_output=True, text=True, timeout=300)
            output = run.stdout
            if run.returncode != 0:
                fail("the examples exited %d\nstdout:\n%s\nstderr:\n%s"
                     % (run.returncode, output, run.stderr))
            expected = [
                '{"status":"ok"}',
                '"version": 2',                      # the corrected batch is version 2
                "\n200\n",                           # the same bytes again
                '"column":"area"',                   # 422 lists the bad rows
                "version 1 is byte-for-byte the original",
                "site_id,date,analyte,concentration_ng_per_l",
                '"districts":["A"]',
                '"group_id":"D+E","resolved":false',
                "\n403\n",
                '"role": "lab"',
                '"action":"POST /api/v1/tokens"',
                '"role":"lab"',                      # whoami
                "甲基苯丙胺",                         # the drugs, by their Chinese names
                '"unit":"mg/day/1000 inhabitants"',  # /series
                "200 text/html; charset=utf-8",      # the dashboard's page
            ]
            missing = [e for e in expected if e not in output]
            if missing:
                fail("missing from the output: %s\noutput:\n%s" % (missing, output))
            bad_rows = [l for l in output.splitlines() if l.startswith('{"column":"area"')]
            if len(bad_rows) != 2:
                fail("expected two bad rows in the 422 reply, got %d" % len(bad_rows))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                fail("wbe serve did not stop within 60 s of SIGTERM")
        if code != 0 or "stopped cleanly" not in open(log_path).read():
            fail("wbe serve did not stop cleanly (exit %d):\n%s" % (code, open(log_path).read()))
    print("api examples: %d commands ran against wbe serve --demo; all answers as documented"
          % sum(1 for l in script.splitlines() if l.startswith("curl")))


if __name__ == "__main__":
    main()
