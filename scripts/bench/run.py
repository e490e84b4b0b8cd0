#!/usr/bin/env python3
"""gitea-gate against the way teams do these gates today (bash + curl + jq), on one fake Gitea.

Starts the fake Gitea (tests/fake-gitea) on loopback with a generated fixture, injects 0 ms and
20 ms of latency per request, and times over RUNS runs (median, min, max; peak RSS per run):

  trust       push event, no network                        target: <= 5 ms median
  drift       1 KiB, 10 MiB, 100 MiB canonical files        target: 10 MiB and 100 MiB >= 1.0x
              curl + cmp, RSS <= 1.5x the file
  approvals   --min 50 with 50 approving team members       target: <= 12 RTT at 20 ms, >= 10x bash
  checklist   7 items, 200 comments
  volume      checklist over 5 MiB of comments; approvals over 10 000 reviews (0 ms)   target: < 2 s each
  sweep       --open-prs over 200 open pull requests (5 reviews, 20 comments each), 20 ms
              target: the whole sweep < 10 s
  policy      (--only policy) a 5-rule policy with a 50-line CODEOWNERS, 300 changed files, 50
              approving reviewers (on push: the workspace policy; on pull_request_target: read at
              the base); and approvals --min 50: sequential round trips counted as the
              slope of wall time between 20 ms and 50 ms per request    target: <= 4 and <= 3
  baselines   baseline/review-check.sh, baseline/sync-check.sh, baseline/sweep.sh (1 run: ~minute)

Prints a table with ratios (baseline / ours) and writes target/bench/results.json.
Usage: scripts/bench/run.py [--runs N] [--quick] [--only sweep|policy]
"""
import argparse
import functools
import hashlib
import http.server
import json
import shutil
import threading
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "scripts", "bench")
# GITEA_GATE_BENCH_PROFILE=debug times the debug build instead (no release build first; slower
# host code, same network behaviour) — for a quick look, not for published numbers.
PROFILE = os.environ.get("GITEA_GATE_BENCH_PROFILE", "release")
# The binary as it ships: the build's gitea-gate with its guest's machine code attached
# (scripts/xtask; host/src/sandbox/machine_code.rs), made by shipped_binary().
BIN = os.path.join(ROOT, "target", "bench", "gitea-gate")
# The release build without the JIT goes to a target directory of its own: in target/release it
# would replace `cargo build --release`'s gitea-gate (which has the JIT, so it runs without machine
# code attached) with one that cannot run alone, and each would rebuild the other's.
BUILT = os.path.join(ROOT, "target", "bench", "build", "release") if PROFILE == "release" else \
    os.path.join(ROOT, "target", PROFILE)
FAKE = os.path.join(BUILT, "fake-gitea")
TOKEN = "bench-owner-token"
SHA = "1" * 40
MEMBERS = [f"member{i:02d}" for i in range(50)]
SPAMMERS = [f"spam{i:02d}" for i in range(100)]
ITEMS = ["comprehensive-testing", "local-postgres-e2e", "staging-smoke", "rollback-plan",
         "security-review", "docs-updated", "observability"]
SIZES = [("1 KiB", 1024), ("10 MiB", 10 << 20), ("100 MiB", 100 << 20)]
SWEEP_PRS = 200
# The policy row's file: 5 rules, path conditions, a nested tree, and code owners.
POLICY = """rules:
  - name: qa
    requires: { count: 2, teams: [acme/qa] }
  - name: security
    if: { changed_files: { paths: ["auth/**"] } }
    requires: { count: 2, teams: [acme/security] }
    disapproval: true
    waivable_by: [acme/leads]
  - name: security-leads
    if: { changed_files: { paths: ["auth/**"] } }
    requires: { count: 1, teams: [acme/leads] }
  - name: docs
    if: { changed_files: { paths: ["docs/**"] } }
    requires: { count: 1, teams: [acme/qa] }
  - name: owners
    requires: { codeowners: each-file }
policy:
  all: [qa, docs, owners, { any: [security, security-leads] }]
"""


def fixture():
    users = [{"login": "owner", "id": 1}, {"login": "author", "id": 2}] + [
        {"login": m, "id": 100 + i} for i, m in enumerate(MEMBERS)] + [
        {"login": m, "id": 1000 + i} for i, m in enumerate(SPAMMERS)]
    reviews = [{"id": i + 1, "user": m, "state": "APPROVED", "commit_id": SHA} for i, m in enumerate(MEMBERS)]
    comments = []
    for i in range(200):
        # Mostly chatter; each item acked once by a member, somewhere in the thread.
        body = f"/sop-ack {ITEMS[i // 28]}" if i % 28 == 27 else f"comment {i}: looks fine"
        comments.append({"id": 1000 + i, "user": MEMBERS[i % 50], "body": body, "created_at": "2026-06-05T10:00:00Z"})
    # Hostile volume: 10 000 review rows (outsiders' comment and approval spam, then the 50
    # member approvals), and 5 MiB of comments (outsiders' ack floods, long lines, fenced and
    # HTML-commented commands, chatter) around one member ack per item.
    many_reviews = [{"id": 100_000 + i, "user": SPAMMERS[i % 100], "state": "APPROVED" if i % 3 == 0 else "COMMENT",
                     "commit_id": SHA} for i in range(10_000 - len(MEMBERS))]
    many_reviews += [{"id": 200_000 + i, "user": m, "state": "APPROVED", "commit_id": SHA} for i, m in enumerate(MEMBERS)]
    flood = []
    kinds = ["".join(f"/sop-ack {ITEMS[j % 7]}\n" for j in range(120)),
             ("x" * 2000 + "\n"),
             "<!-- " + "y" * 2000 + " -->\n```\n/sop-ack rollback-plan\n```\n",
             "thanks! " * 300]
    flood_bytes = 0
    while flood_bytes < 5 << 20:
        body = kinds[len(flood) % 4]
        flood.append({"id": 300_000 + len(flood), "user": SPAMMERS[len(flood) % 100], "body": body,
                      "created_at": "2026-06-05T10:00:00Z"})
        flood_bytes += len(body)
    flood += [{"id": 400_000 + i, "user": MEMBERS[i], "body": f"/sop-ack {item}", "created_at": "2026-06-05T10:00:00Z"}
              for i, item in enumerate(ITEMS)]
    files = {f"f{size}.txt": {"generated": {"size": size, "seed": 7}} for _, size in SIZES}
    files["policy.yml"] = {"text": POLICY}
    files["CODEOWNERS"] = {"text": CODEOWNERS}
    policy_files = [f"pkg{i % 50:02d}/file{i:03d}.go" for i in range(299)] + ["auth/session.go"]
    # The sweep's repository: 200 open pull requests, each with 5 reviews (2 member approvals, 3
    # comments) and 20 comments (18 chatter, 2 member acks), all on distinct heads.
    sweep_pulls = []
    for n in range(1, SWEEP_PRS + 1):
        member = lambda k: MEMBERS[(n * 7 + k) % len(MEMBERS)]
        revs = [{"id": n * 100 + k, "user": member(k), "state": "APPROVED" if k < 2 else "COMMENT",
                 "commit_id": f"{n:040x}"} for k in range(5)]
        coms = [{"id": 1_000_000 + n * 100 + k, "user": member(k),
                 "body": f"/sop-ack {ITEMS[k % 7]}" if k < 2 else f"comment {k} on #{n}",
                 "created_at": "2026-06-05T10:00:00Z"} for k in range(20)]
        sweep_pulls.append({"number": n, "user": "author", "labels": ["tier:low"],
                            "head": {"repo": "acme/sweep", "ref": f"b{n}", "sha": f"{n:040x}"},
                            "reviews": revs, "comments": coms})
    return {
        "version": "1.25.4",
        "users": users,
        "tokens": [{"token": TOKEN, "user": "owner", "scopes": ["all"]}],
        "orgs": [{"name": "acme", "id": 2, "owners": ["owner"], "members": ["author"],
                  "teams": [{"id": 20, "name": "qa", "members": MEMBERS},
                            {"id": 21, "name": "security", "members": MEMBERS[:10]},
                            {"id": 22, "name": "leads", "members": MEMBERS[:2]}]}],
        "repos": [
            {"owner": "acme", "name": "core", "id": 10, "branches": {"main": SHA},
             "commits": [{"sha": SHA, "files": files}],
             "pulls": [
                 {"number": 1, "user": "author", "head": {"repo": "acme/core", "ref": "f", "sha": SHA},
                  "reviews": reviews},
                 {"number": 2, "user": "author", "labels": ["tier:high"],
                  "head": {"repo": "acme/core", "ref": "g", "sha": SHA}, "comments": comments},
                 {"number": 3, "user": "author", "head": {"repo": "acme/core", "ref": "h", "sha": SHA},
                  "reviews": many_reviews},
                 {"number": 4, "user": "author", "labels": ["tier:high"],
                  "head": {"repo": "acme/core", "ref": "i", "sha": SHA}, "comments": flood},
                 {"number": 5, "user": "author", "head": {"repo": "acme/core", "ref": "p", "sha": SHA},
                  "reviews": reviews, "files": policy_files},
             ]},
            {"owner": "acme", "name": "sweep", "id": 11, "branches": {"main": SHA}, "pulls": sweep_pulls},
        ],
    }


class Fake:
    def __init__(self, work):
        path = os.path.join(work, "fixture.json")
        with open(path, "w") as f:
            json.dump(fixture(), f)
        self.proc = subprocess.Popen([FAKE, "--fixture", path], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"fake-gitea did not start: {line!r}")
        self.base = line.split()[-1]
        self.api = self.base + "/api/v1"

    def latency(self, ms):
        req = urllib.request.Request(self.base + "/_fake/latency", data=json.dumps({"ms": ms}).encode(), method="POST")
        urllib.request.urlopen(req).read()

    def stop(self):
        self.proc.kill()


def measure_rss(cmd, runs, env=None, expect=0, cwd=None):
    """Wall seconds and peak RSS bytes of each run (os.wait4 gives this child's own rusage)."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            if code != expect:
                out.seek(0)
                sys.exit(f"{' '.join(cmd)} exited {code}, expected {expect}:\n{out.read().decode()}")
            samples.append((elapsed, usage.ru_maxrss * 1024))
    return samples


def summary(samples):
    times = sorted(t for t, _ in samples)
    return {"median_s": statistics.median(times), "min_s": times[0], "max_s": times[-1],
            "peak_rss_bytes": max(r for _, r in samples), "runs": len(samples)}


def shipped_binary():
    """target/<profile>/gitea-gate with the guest's machine code attached, as BIN."""
    manifest = os.path.join(ROOT, "target", "guest-aot", "aot.sha256")
    wasm = open(os.path.join(ROOT, "host", "guest", "gitea-gate-guest.wasm.sha256")).read().split()[0]
    xtask = os.path.join(ROOT, "target", "debug", "xtask")
    fresh = os.path.exists(manifest) and f"{wasm}  gitea-gate-guest.wasm" in open(manifest).read().splitlines()
    if not fresh or not os.path.exists(xtask):
        subprocess.run(["cargo", "build", "--quiet", "--locked", "-p", "xtask"], cwd=ROOT, check=True)
        subprocess.run([xtask, "precompile"], cwd=ROOT, check=True)
    os.makedirs(os.path.dirname(BIN), exist_ok=True)
    subprocess.run([xtask, "attach", os.path.join(BUILT, "gitea-gate"),
                    "--target", f"{os.uname().machine}-unknown-linux-gnu", "--out", BIN], cwd=ROOT, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 100 MiB drift case")
    parser.add_argument("--only", choices=["sweep", "policy"], help="run only these rows")
    args = parser.parse_args()
    # The shipped configuration: no JIT (`xtask release`), so the size below is the real one
    # (`xtask release`'s static binaries differ only by the statically linked libc).
    if PROFILE == "release":
        subprocess.run(["cargo", "build", "--release", "--quiet", "--no-default-features", "-p", "gitea-gate",
                        "-p", "fake-gitea", "--target-dir", os.path.join(ROOT, "target", "bench", "build")],
                       cwd=ROOT, check=True)
    shipped_binary()
    work = tempfile.mkdtemp()
    fake = Fake(work)
    env = {"PATH": os.environ["PATH"], "REVIEW_TOKEN": TOKEN, "GITEA_TOKEN": TOKEN}
    rows = []

    def row(name, latency, ours, baseline=None, note=""):
        entry = {"case": name, "latency_ms": latency, "ours": summary(ours)}
        if baseline:
            entry["baseline"] = summary(baseline)
            entry["ratio"] = entry["baseline"]["median_s"] / entry["ours"]["median_s"]
        if latency:
            entry["ours_rtt"] = entry["ours"]["median_s"] / (latency / 1000)
        entry["note"] = note
        rows.append(entry)
        print(format_row(entry), flush=True)

    try:
        print(header())
        gate = [BIN, "--format", "json", "--api-url", fake.api, "--repository", "acme/core"]
        if args.only == "policy":
            policy_rows(fake, work, env, args.runs, row, gate)
            return
        if args.only == "sweep":
            sweep_rows(fake, work, env, args.runs, row)
            out = os.path.join(ROOT, "target", "bench")
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, "sweep.json"), "w") as f:
                json.dump({"rows": rows, "runs": args.runs}, f, indent=2)
            return
        row("trust (push)", 0, measure_rss(gate + ["--event-name", "push", "trust"], max(args.runs * 10, 30), env))
        # Drift: the canonical copy over the API; the local copy byte-identical.
        for label, size in SIZES:
            if args.quick and size > 10 << 20:
                continue
            local = os.path.join(work, f"f{size}.txt")
            urllib.request.urlretrieve(f"{fake.api}/repos/acme/core/raw/f{size}.txt?ref={SHA}", local)
            ours = measure_rss(gate + ["--event-name", "push", "drift", "--token-env", "REVIEW_TOKEN",
                                       "--canonical", f"acme/core@main:f{size}.txt", "--local", f"f{size}.txt"],
                               args.runs, env, cwd=work)
            base = measure_rss([os.path.join(BENCH, "baseline", "sync-check.sh"), fake.api, "acme/core", "main",
                                f"f{size}.txt", local], args.runs, env)
            row(f"drift {label}", 0, ours, base, f"RSS/size {summary(ours)['peak_rss_bytes'] / size:.2f}x")
        for latency in (0, 20):
            fake.latency(latency)
            ours = measure_rss(gate + ["--event-name", "push", "approvals", "--team", "acme/qa", "--min", "50",
                                       "--pr", "1", "--token-env", "REVIEW_TOKEN"], args.runs, env)
            base = measure_rss([os.path.join(BENCH, "baseline", "review-check.sh"), fake.api, "acme/core", "1", "20",
                                "50"], args.runs, env)
            row("approvals --min 50", latency, ours, base)
            cfg = os.path.join(work, "sop.json")
            with open(cfg, "w") as f:
                json.dump({"items": [{"id": i, "title": i} for i in ITEMS], "ack_teams": ["acme/qa"]}, f)
            ours = measure_rss(gate + ["--event-name", "push", "checklist", "--config", "sop.json", "--pr", "2",
                                       "--token-env", "REVIEW_TOKEN"], args.runs, env, cwd=work)
            row("checklist 7 items/200 comments", latency, ours)
            ours = measure_rss(gate + ["--event-name", "push", "drift", "--token-env", "REVIEW_TOKEN",
                                       "--canonical", "acme/core@main:f1024.txt", "--local", "f1024.txt"],
                               args.runs, env, cwd=work)
            base = measure_rss([os.path.join(BENCH, "baseline", "sync-check.sh"), fake.api, "acme/core", "main",
                                "f1024.txt", os.path.join(work, "f1024.txt")], args.runs, env)
            row("drift 1 KiB", latency, ours, base)
        # Hostile volume (0 ms): each must decide (exit 0), target < 2 s.
        fake.latency(0)
        ours = measure_rss(gate + ["--event-name", "push", "checklist", "--config", "sop.json", "--pr", "4",
                                   "--token-env", "REVIEW_TOKEN"], args.runs, env, cwd=work)
        row("checklist over 5 MiB of comments", 0, ours, note="target < 2 s")
        ours = measure_rss(gate + ["--event-name", "push", "approvals", "--team", "acme/qa", "--min", "50",
                                   "--pr", "3", "--token-env", "REVIEW_TOKEN"], args.runs, env)
        row("approvals over 10 000 reviews", 0, ours, note="target < 2 s")
        sweep_rows(fake, work, env, args.runs, row)
    finally:
        fake.stop()
    size = os.path.getsize(BIN)
    print(f"\nrelease binary (no JIT, dynamically linked): {size / 1e6:.1f} MB ({size} bytes, stripped)")
    fresh, cached = install_times(args.runs)
    print(f"install.sh from a loopback release server: download + verify {fresh['median_s'] * 1000:.0f} ms "
          f"median, cached (re-verified) {cached['median_s'] * 1000:.0f} ms")
    out = os.path.join(ROOT, "target", "bench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"rows": rows, "binary_bytes": size, "install": {"download_and_verify": fresh, "cached": cached},
                   "runs": args.runs}, f, indent=2)
    print(f"wrote {os.path.join(out, 'results.json')}")


# 50 lines, each owned by the qa team.
CODEOWNERS = "".join(f"pkg{i:02d}/.* @acme/qa\n" for i in range(50))


def policy_rows(fake, work, env, runs, row, gate):
    """Sequential round trips of the policy gate and of approvals --min 50: the slope of median
    wall time between 20 ms and 50 ms of latency per request (the fake's own overhead and the
    host's CPU time cancel out)."""
    with open(os.path.join(work, "policy.yml"), "w") as f:
        f.write(POLICY)
    # A push run reads the workspace's files: the same CODEOWNERS as at the base.
    with open(os.path.join(work, "CODEOWNERS"), "w") as f:
        f.write(CODEOWNERS)
    with open(os.path.join(work, "event.json"), "w") as f:
        repo = {"id": 10, "full_name": "acme/core"}
        json.dump({"pull_request": {"number": 5, "base": {"sha": SHA, "ref": "main", "repo": repo},
                                    "head": {"sha": SHA, "ref": "p", "repo": repo}}}, f)
    cases = [
        ("policy 5 rules/50-line CODEOWNERS/300 files/50 approvals", 4,
         gate + ["--event-name", "push", "policy", "--config", "policy.yml", "--pr", "5",
                 "--token-env", "REVIEW_TOKEN"]),
        # The path real pull requests take: the policy and CODEOWNERS read through the API at the
        # base commit the event names, in the same round as the pull request.
        ("policy on pull_request_target (files read at the base)", 4,
         gate + ["--event-name", "pull_request_target", "--event-path", "event.json", "policy",
                 "--config", "policy.yml", "--token-env", "REVIEW_TOKEN"]),
        ("approvals --min 50", 3,
         gate + ["--event-name", "push", "approvals", "--team", "acme/qa", "--min", "50", "--pr", "1",
                 "--token-env", "REVIEW_TOKEN"]),
    ]
    for name, target, cmd in cases:
        medians = {}
        for latency in (20, 50):
            fake.latency(latency)
            ours = measure_rss(cmd, runs, env, cwd=work)
            medians[latency] = summary(ours)["median_s"]
            row(name, latency, ours)
        rtt = (medians[50] - medians[20]) / 0.030
        print(f"  {name}: {rtt:.2f} sequential round trips (slope 20->50 ms; target <= {target})", flush=True)
    fake.latency(0)


def sweep_rows(fake, work, env, runs, row):
    """--open-prs over acme/sweep's 200 open pull requests at 20 ms per request, posting statuses;
    the bash + curl + jq sweep (one process per call, sequential) once, for the ratio."""
    fake.latency(20)
    cfg = os.path.join(work, "sop-sweep.json")
    with open(cfg, "w") as f:
        json.dump({"items": [{"id": i, "title": i} for i in ITEMS[:2]], "ack_teams": ["acme/qa"]}, f)
    gate = [BIN, "--format", "json", "--api-url", fake.api, "--repository", "acme/sweep",
            "--event-name", "schedule"]
    base = measure_rss([os.path.join(BENCH, "baseline", "sweep.sh"), fake.api, "acme/sweep", "20", "2",
                        "bench / sweep"], 1, env)
    ours = measure_rss(gate + ["approvals", "--team", "acme/qa", "--min", "2", "--open-prs", "--token-env",
                               "REVIEW_TOKEN", "--status-context", "bench / sweep"], runs, env, cwd=work)
    row(f"sweep approvals {SWEEP_PRS} PRs", 20, ours, base, "target < 10 s; baseline 1 run")
    ours = measure_rss(gate + ["checklist", "--config", "sop-sweep.json", "--open-prs", "--token-env",
                               "REVIEW_TOKEN", "--status-context", "bench / sweep-checklist"], runs, env, cwd=work)
    row(f"sweep checklist {SWEEP_PRS} PRs", 20, ours, base, "target < 10 s; baseline as above")
    fake.latency(0)


def install_times(runs):
    """scripts/install.sh as the action runs it: download + verify from a loopback release server
    (fresh cache each run), then the cached path (re-verified)."""
    version = next(l.split('"')[1] for l in open(os.path.join(ROOT, "Cargo.toml")) if l.startswith("version = "))
    asset = f"gitea-gate-{version}-x86_64-linux"
    work = tempfile.mkdtemp()
    action = os.path.join(work, "action")
    os.makedirs(os.path.join(action, "scripts"))
    os.makedirs(os.path.join(action, "release"))
    os.makedirs(os.path.join(work, "dl"))
    shutil.copy(os.path.join(ROOT, "Cargo.toml"), action)
    shutil.copy(os.path.join(ROOT, "scripts", "install.sh"), os.path.join(action, "scripts"))
    shutil.copy(BIN, os.path.join(work, "dl", asset))
    digest = hashlib.sha256(open(BIN, "rb").read()).hexdigest()
    with open(os.path.join(action, "release", "SHA256SUMS"), "w") as f:
        f.write(f"{digest}  {asset}\n")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=work)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"PATH": os.environ["PATH"], "HOME": work, "GITHUB_ACTION_PATH": action, "RUNNER_ARCH": "X64",
           "RUNNER_TEMP": work,
           "GITEA_GATE_DOWNLOAD_URL": f"http://127.0.0.1:{server.server_address[1]}/dl"}
    fresh, cached = [], []
    try:
        for i in range(runs):
            env["RUNNER_TOOL_CACHE"] = os.path.join(work, f"cache{i}")
            fresh += measure_rss(["bash", os.path.join(action, "scripts", "install.sh")], 1, env)
            cached += measure_rss(["bash", os.path.join(action, "scripts", "install.sh")], 1, env)
    finally:
        server.shutdown()
    return summary(fresh), summary(cached)


def header():
    return f"{'case':32} {'RTT':>5} {'ours median':>12} {'min':>8} {'max':>8} {'peak RSS':>9} {'baseline':>9} {'ratio':>7}  note"


def format_row(e):
    o = e["ours"]
    b = e.get("baseline")
    rtt = f"{e['latency_ms']}ms" if e["latency_ms"] else "0"
    ms = lambda s: f"{s * 1000:.1f}ms" if s < 10 else f"{s:.1f}s"
    rtts = f" = {e['ours_rtt']:.1f} RTT" if "ours_rtt" in e else ""
    return (f"{e['case']:32} {rtt:>5} {ms(o['median_s']):>12} {ms(o['min_s']):>8} {ms(o['max_s']):>8} "
            f"{o['peak_rss_bytes'] / 1048576:>7.1f}Mi {ms(b['median_s']) if b else '-':>9} "
            f"{(str(round(e['ratio'], 1)) + 'x') if b else '-':>7}  {e['note']}{rtts}")


if __name__ == "__main__":
    main()
