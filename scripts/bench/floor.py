#!/usr/bin/env python3
"""How much of trust's start-up is the guest's, and how much any guest would cost.

Builds two x86_64 release binaries of the committed tree (HEAD), the way `xtask release` links
them (static, no JIT, machine code attached): the real one, and one whose guest is empty — a
module that reads its whole request and answers the verdict the real guest gave for it, byte for
byte, through the same two WASI calls. Everything else is the same host: the same sandbox, engine,
WASI context, limits and output. Then it times both as scripts/bench/budgets.py does (trust on a
push event against `--version` of the same binary, taken in turn, fresh copies) and prints:

  - the empty guest's ratio: the floor of this design, what loading and running any guest costs;
  - the real guest's ratio, and what its size adds (its metadata, data image and code, in ms).

It works in a temporary git worktree (the checkout is never touched) and keeps its builds in
target/floor/ (the first run builds wasmtime twice, about 5 minutes on the 2-core machine; later
runs about 2). By hand only: CI measures the budget (budgets.py), not the floor.

Usage: scripts/bench/floor.py [RUNS] [COPIES]      (default 41 runs on each of 3 fresh copies)
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile

from budgets import trust_and_version

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TRIPLE = "x86_64-unknown-linux-gnu"
GUEST = os.path.join("host", "guest", "gitea-gate-guest.wasm")


def leb(n):
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def vec(items):
    """A wasm vector: its length, then its items."""
    return leb(len(items)) + b"".join(items)


def blob(data):
    """Bytes as a wasm vector of bytes (a name, a data segment's contents)."""
    return leb(len(data)) + data


def section(ident, body):
    return bytes([ident]) + leb(len(body)) + body


def i32_const(n):
    """i32.const for the small non-negative constants used here (signed LEB128)."""
    assert 0 <= n < 1 << 20
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n == 0 and not byte & 0x40:
            out.append(byte)
            return bytes([0x41]) + bytes(out)
        out.append(byte | 0x80)


def initial_pages(wasm):
    """The initial size, in 64 KiB pages, of the one memory `wasm` defines."""
    at = 8
    while at < len(wasm):
        ident, (size, at) = wasm[at], read_leb(wasm, at + 1)
        if ident == 5:
            count, limits = read_leb(wasm, at)
            assert count == 1 and wasm[limits] in (0, 1), "one memory, 32-bit limits"
            return read_leb(wasm, limits + 1)[0]
        at += size
    sys.exit("floor: the guest defines no memory")


def read_leb(data, at):
    """(unsigned LEB128 value at `at`, the offset after it)."""
    value = shift = 0
    while True:
        byte, at = data[at], at + 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def empty_guest(verdict, pages):
    """A wasm module that reads stdin to its end, then writes `verdict` to stdout, with `pages` of
    memory (the real guest's initial size):

        (import "wasi_snapshot_preview1" "fd_read"  (func 0 (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func 1 (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") pages)
        (func (export "_start")
          (block (loop                          ;; fd_read(stdin, iovec@16, 1, nread@32)
            (drop (call 0 (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 32)))
            (br_if 1 (i32.eqz (i32.load (i32.const 32))))
            (br 0)))
          (drop (call 1 (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
        (data (i32.const 0) iovec{64, len(verdict)})      (data (i32.const 16) iovec{65536, 65536})
        (data (i32.const 64) verdict)
    """
    i32, wasi = 0x7F, "wasi_snapshot_preview1"
    io_type = bytes([0x60]) + vec([bytes([i32])] * 4) + vec([bytes([i32])])
    start_type = bytes([0x60]) + vec([]) + vec([])
    body = (b"\x02\x40\x03\x40"                                   # block, loop
            + i32_const(0) + i32_const(16) + i32_const(1) + i32_const(32) + b"\x10\x00\x1a"
            + i32_const(32) + b"\x28\x02\x00\x45\x0d\x01"         # i32.load, i32.eqz, br_if 1
            + b"\x0c\x00\x0b\x0b"                                 # br 0, end, end
            + i32_const(1) + i32_const(0) + i32_const(1) + i32_const(8) + b"\x10\x01\x1a"
            + b"\x0b")
    code = vec([]) + body                                          # no locals
    iovec = lambda ptr, n: ptr.to_bytes(4, "little") + n.to_bytes(4, "little")
    data = lambda at, contents: b"\x00" + i32_const(at) + b"\x0b" + blob(contents)
    return b"".join([
        b"\x00asm\x01\x00\x00\x00",
        section(1, vec([io_type, start_type])),
        section(2, vec([blob(wasi.encode()) + blob(b"fd_read") + b"\x00\x00", blob(wasi.encode()) + blob(b"fd_write") + b"\x00\x00"])),
        section(3, vec([b"\x01"])),
        section(5, vec([b"\x00" + leb(pages)])),
        section(7, vec([blob(b"memory") + b"\x02\x00", blob(b"_start") + b"\x00\x02"])),
        section(10, vec([leb(len(code)) + code])),
        section(11, vec([data(0, iovec(64, len(verdict))), data(16, iovec(65536, 65536)), data(64, verdict)])),
    ])


def run(argv, cwd, env=None, quiet=False):
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL if quiet else None)
    if done.returncode != 0:
        sys.exit(f"floor: {' '.join(argv)} exited {done.returncode}")


def build(tree, out, aot):
    """The static release binary of `tree` with its own guest's machine code attached, as `out`."""
    cargo_home = os.environ.get("CARGO_HOME") or os.path.join(os.path.expanduser("~"), ".cargo")
    host_env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", "floor", "host"),
                    RUSTFLAGS=f"-C target-feature=+crt-static --remap-path-prefix={cargo_home}=/cargo")
    run(["cargo", "build", "--release", "--locked", "--quiet", "-p", "gitea-gate", "--no-default-features",
         "--target", TRIPLE], tree, host_env)
    # xtask compiles and attaches the guest of the tree it was built from.
    tool_env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", "floor", "xtask"))
    tool_env.pop("RUSTFLAGS", None)
    run(["cargo", "build", "--locked", "--quiet", "-p", "xtask"], tree, tool_env)
    xtask = os.path.join(ROOT, "target", "floor", "xtask", "debug", "xtask")
    run([xtask, "precompile", "--out", aot], tree)
    linked = os.path.join(ROOT, "target", "floor", "host", TRIPLE, "release", "gitea-gate")
    run([xtask, "attach", "--target", TRIPLE, "--aot", aot, "--out", out, linked], tree)


def recorded_verdict(binary, work):
    """The real guest's verdict for the request budgets.py times, as it wrote it."""
    event = os.path.join(work, "event.json")
    with open(event, "w") as f:
        json.dump({"ref": "refs/heads/main", "repository": {"id": 1, "name": "core", "full_name": "acme/core",
                                                            "owner": {"login": "acme"}, "fork": False}}, f)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event,
           "GITHUB_REPOSITORY": "acme/core", "DEPLOY_KEY": "x"}
    # gitea-gate writes only beneath its working directory, so the path is relative.
    run([binary, "trust", "--require-secret", "DEPLOY_KEY", "--record", "record.json"], work, env, quiet=True)
    with open(os.path.join(work, "record.json")) as f:
        (decision,) = json.load(f)["decisions"]
    return json.dumps(decision["verdict"], separators=(",", ":"), ensure_ascii=False).encode()


def measure(binaries, runs, copies):
    """(median trust ms, median --version ms) of each binary: `copies` rounds, each timing every
    binary in turn on a fresh copy, so that a machine that slows down moves every row."""
    times = {binary: ([], []) for binary in binaries}
    for _ in range(copies):
        for binary in binaries:
            trust, version, _ = trust_and_version(binary, runs)
            times[binary][0].extend(trust)
            times[binary][1].extend(version)
    return [(statistics.median(trust) * 1000, statistics.median(version) * 1000) for trust, version in times.values()]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 41
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as work:
        tree = os.path.join(work, "tree")
        run(["git", "worktree", "add", "--quiet", "--detach", tree, "HEAD"], ROOT)
        try:
            real, empty = os.path.join(work, "real"), os.path.join(work, "empty")
            build(tree, real, os.path.join(work, "aot-real"))
            with open(os.path.join(tree, GUEST), "rb") as f:
                pages = initial_pages(f.read())
            wasm = empty_guest(recorded_verdict(real, work), pages)
            with open(os.path.join(tree, GUEST), "wb") as f:
                f.write(wasm)
            # The build checks the guest against its recorded digest.
            with open(os.path.join(tree, GUEST + ".sha256"), "w") as f:
                f.write(f"{hashlib.sha256(wasm).hexdigest()}  gitea-gate-guest.wasm\n")
            build(tree, empty, os.path.join(work, "aot-empty"))
            measured = measure([empty, real], runs, copies)
            rows = [(label, os.path.getsize(binary), *times) for (label, binary), times in
                    zip((("empty guest", empty), ("real guest", real)), measured)]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT)
    print(f"trust against --version of the same binary ({runs} runs x {copies} fresh copies, medians):")
    for label, size, trust, version in rows:
        print(f"  {label:12s} {trust:6.3f} ms against {version:6.3f} ms: {trust / version:.2f}x ({size:,} bytes)")
    (_, _, floor, floor_version), (_, _, trust, version) = rows
    print(f"  the real guest adds {trust - floor:.3f} ms; any guest costs {floor - floor_version:.3f} ms "
          f"over --version")


if __name__ == "__main__":
    main()
