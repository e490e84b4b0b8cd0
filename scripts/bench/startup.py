#!/usr/bin/env python3
"""Where `trust`'s start-up goes: process start -> verdict, phase by phase.

Runs `BIN trust` on a push event (no network) RUNS times with GITEA_GATE_TIMINGS=1, alternating
with `BIN --version` (the process alone: exec, the static binary's relocations, argument
parsing), and prints the median of each phase's own time. The phases are the marks the host
writes (host/src/timings.rs): mapping the attached machine code, creating the engine, loading
the artifact (wasmtime's deserialisation of the module's metadata), the guest's thread and I/O
runtime, instantiating (linear memory and its data image), the guest's own run, and what follows
its return (dropping the store and the runtime, waking the main thread).

Usage: scripts/bench/startup.py BIN [RUNS]     (default 101; BIN: a binary with machine code
                                                attached, e.g. dist/gitea-gate-*-x86_64-linux)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BASE = {"id": 1, "name": "core", "full_name": "acme/core", "owner": {"login": "acme"}, "fork": False}


def phases(stderr):
    """(phase, ms since main started) for every timing line."""
    out = []
    for line in stderr.splitlines():
        if line.startswith("gitea-gate timing:"):
            ms, phase = line.split(":", 1)[1].strip().split(" ms  ", 1)
            # Some phases carry numbers (fuel, bytes): name them by their words only.
            out.append((phase.split(" (")[0], float(ms)))
    return out


def main():
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 101
    with tempfile.TemporaryDirectory() as work:
        event = os.path.join(work, "push.json")
        with open(event, "w") as f:
            json.dump({"ref": "refs/heads/main", "repository": BASE}, f)
        env = {"PATH": os.environ["PATH"], "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event,
               "GITHUB_REPOSITORY": "acme/core", "GITHUB_OUTPUT": os.path.join(work, "out"), "TOKX": "x"}
        walls = {"--version": [], "trust": []}
        steps = {}
        order = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([binary, "--version"], env=env, stdout=subprocess.DEVNULL, check=True)
            walls["--version"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            done = subprocess.run([binary, "trust", "--require-secret", "TOKX"], env=dict(env, GITEA_GATE_TIMINGS="1"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
            walls["trust"].append(time.perf_counter() - t0)
            previous = 0.0
            for phase, at in phases(done.stderr):
                if phase not in steps:
                    steps[phase] = []
                    order.append(phase)
                steps[phase].append(at - previous)
                previous = at
    version, trust = (statistics.median(walls[k]) * 1000 for k in ("--version", "trust"))
    print(f"{binary}: {os.path.getsize(binary):,} bytes, {runs} runs each, medians")
    print(f"  --version (process alone)        {version:7.3f} ms")
    print(f"  trust, process -> verdict        {trust:7.3f} ms  ({trust / version:.2f}x --version)")
    print("  trust's phases (each its own time; 'main started' counts from main, not exec):")
    for phase in order:
        print(f"    {statistics.median(steps[phase]):7.3f} ms  {phase}")


if __name__ == "__main__":
    main()
