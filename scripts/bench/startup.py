#!/usr/bin/env python3
"""Where `trust`'s start-up goes: process start -> verdict, phase by phase.

Runs `BIN trust` on a push event (no network) RUNS times with GITEA_GATE_TIMINGS=1, alternating
with `BIN --version` (the process alone: exec, the static binary's relocations, argument
parsing), and prints the median of each phase's own time. The phases are the marks the host
writes (host/src/timings.rs): mapping the attached machine code, creating the engine, loading
the artifact (wasmtime's deserialisation of the module's metadata), the guest's thread and I/O
runtime, instantiating (linear memory and its data image), the guest's own run, and what follows
its return (dropping the store and the runtime, waking the main thread). The runs are those of
CI's start-up budget (budgets.py: the same event, environment and order).

Usage: scripts/bench/startup.py BIN [RUNS]     (default 101; BIN: a binary with machine code
                                                attached, e.g. dist/gitea-gate-*-x86_64-linux)
"""
import os
import statistics
import sys

from budgets import trust_and_version


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
    trust, version, stderrs = trust_and_version(binary, runs, timings=True)
    steps = {}
    for stderr in stderrs:
        previous = 0.0
        for phase, at in phases(stderr):
            steps.setdefault(phase, []).append(at - previous)
            previous = at
    version, trust = statistics.median(version) * 1000, statistics.median(trust) * 1000
    print(f"{binary}: {os.path.getsize(binary):,} bytes, {runs} runs each, medians")
    print(f"  --version (process alone)        {version:7.3f} ms")
    print(f"  trust, process -> verdict        {trust:7.3f} ms  ({trust / version:.2f}x --version)")
    print("  trust's phases (each its own time; 'main started' counts from main, not exec):")
    for phase, times in steps.items():
        print(f"    {statistics.median(times):7.3f} ms  {phase}")


if __name__ == "__main__":
    main()
