# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the chat chain itself costs: XMPP -> n8n (+ n8n-nodes-xmpp) -> Ollama -> RabbitMQ -> XMPP with an
Ollama stand-in that answers instantly, so every millisecond measured is overhead of the lab.

For each n8n variant (a set of environment variables on top of the harness's n8n, which runs with the role's
settings) it starts the lab of tests/e2e/lab.py, runs the real playbooks/configure.yml twice (the second run is
the no-op re-run a user pays on every `make deploy`), then measures round trips (send -> reply received) for one
user asking in turn and for 10 users asking at the same time, each waiting for its answer before asking again.

    python benchmarks/chat_overhead.py [--rounds 40] [--variant baseline --variant no-success-saving]

Prints a table; needs the n8n-nodes-xmpp tarball like the e2e test (exits 77 when it is missing).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))

from lab import HUMAN, ChatPool, Lab, SkipLab  # noqa: E402

# n8n settings that can matter for a chat round trip. Each execution of the chat bot is saved to the database
# (SQLite in the lab) by default; the workflow has no Code node, so the task runner is not on the chat path.
VARIANTS = {
    "baseline": {},
    "no-success-saving": {"EXECUTIONS_DATA_SAVE_ON_SUCCESS": "none"},
}


def percentiles(samples):
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered), "p95": ordered[max(0, int(round(0.95 * len(ordered))) - 1)],
            "n": len(ordered)}


def ask_many(pool, lab, user, rounds, out, lock):
    for i in range(rounds):
        reply, seconds = pool.ask(user, lab.bot_jid, "bench %s %d" % (user, i), timeout=60)
        if reply != "echo: bench %s %d" % (user, i):
            raise RuntimeError("%s got %r" % (user, reply))
        with lock:
            out.append(seconds)


def measure(name, env, rounds):
    workdir = tempfile.mkdtemp(prefix="chat-overhead-")
    lab = Lab(workdir, load_users=10, n8n_env=env)
    try:
        lab.start()
        timings = {}
        for run in ("configure", "configure no-op"):
            started = time.monotonic()
            rc, output, counts = lab.playbook("configure.yml")
            timings[run] = time.monotonic() - started
            if rc != 0:
                raise RuntimeError("configure failed:\n" + output[-3000:])
        if counts.get("changed"):
            raise RuntimeError("the second configure run changed %d task(s)" % counts["changed"])
        lab.wait_for_bot()
        with ChatPool(lab.prosody, [HUMAN] + lab.load_users) as pool:
            for i in range(3):  # warm-up: first executions compile and connect
                pool.ask(HUMAN, lab.bot_jid, "warm-up %d" % i)
            single, lock = [], threading.Lock()
            ask_many(pool, lab, HUMAN, rounds, single, lock)
            concurrent = []
            threads = [threading.Thread(target=ask_many, args=(pool, lab, user, max(1, rounds // 4), concurrent, lock))
                       for user in lab.load_users]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - started
        return {"variant": name, "1 user": percentiles(single), "10 users": percentiles(concurrent),
                "10 users throughput": len(concurrent) / wall, "configure": timings["configure"],
                "configure no-op": timings["configure no-op"]}
    finally:
        lab.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="round trips of the single user (10 users: rounds/4 each)")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS),
                        help="n8n variant to measure (repeatable; default: all)")
    args = parser.parse_args(argv)
    results = []
    try:
        for name in args.variant or sorted(VARIANTS):
            print("-- %s: %s" % (name, VARIANTS[name] or "harness n8n as the role runs it"), flush=True)
            results.append(measure(name, VARIANTS[name], args.rounds))
    except SkipLab as exc:
        print("SKIPPED: %s" % exc)
        return 77
    header = ("variant", "1 user p50/p95 ms", "10 users p50/p95 ms", "msg/s", "configure", "no-op run")
    print("\n%-18s %21s %21s %9s %10s %10s" % header)
    for r in results:
        print("%-18s %10.0f/%-10.0f %10.0f/%-10.0f %9.1f %9.1fs %9.1fs" % (
            r["variant"], r["1 user"]["p50"] * 1000, r["1 user"]["p95"] * 1000, r["10 users"]["p50"] * 1000,
            r["10 users"]["p95"] * 1000, r["10 users throughput"], r["configure"], r["configure no-op"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
