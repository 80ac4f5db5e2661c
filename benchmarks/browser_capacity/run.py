"""What does one more browser user cost, and how many journeys does a core run, sharing one Chromium or not?

The same journey (the demo app's /article, whose late hero image makes a largest paint after the first one,
then /shop and its search form) runs for N concurrent users, N in 1, 5, 10, 20, in three designs side by side:

- `shared`: locust-fleet's design: one Chromium per process (Debian's `chromium-headless-shell`, with
  `locust_ext.browser.chromium.CHROMIUM_ARGS`), one BrowserContext per user;
- `shared-full-chromium`: the same with the full `chromium` binary, whose headless mode gives every context a
  window and a WebUI renderer (the ~63 MB per user measured first);
- `per-user`: a headless shell per user (locust-plugins' PlaywrightUser, Artillery's `useSeparateBrowserPerVU`).

Users are asyncio tasks on Playwright's async API, as in the runtime. Per design and N: PSS of the whole process
tree (Playwright's driver and every Chromium process) at steady state, journeys per minute per core, and the
median FCP read from the page's paint timing. Designs alternate within each N so the machine's noise falls on
all of them.

Run: .venv/bin/python benchmarks/browser_capacity/run.py [--seconds 20] [--users 1,5,10,20]
Writes benchmarks/results/browser_capacity.json and .md, and rebuilds docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from playwright.async_api import Browser, Page, Playwright, async_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import free_port, machine, write_results  # noqa: E402
from locust_ext.browser.chromium import CHROMIUM_ARGS, FULL_CHROMIUM, chromium_path  # noqa: E402

WARMUP_S = 4.0
# Between journeys, as a person reads the page; without it every design just saturates the cores.
THINK_S = 1.0
GOAL_MB_PER_USER = 40
FCP_SCRIPT = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"


@dataclass(frozen=True)
class Design:
    name: str
    browser_per_user: bool
    executable: str


DESIGNS = [
    Design("shared", False, chromium_path()),
    Design("shared-full-chromium", False, FULL_CHROMIUM),
    Design("per-user", True, chromium_path()),
]


@dataclass
class Measure:
    users: int
    pss_mb: float
    journeys: int
    seconds: float
    fcp_ms: list[float]

    def per_minute_per_core(self) -> float:
        return self.journeys / (self.seconds / 60) / (os.cpu_count() or 1)


async def journey(page: Page, host: str, fcps: list[float], measuring: asyncio.Event) -> bool:
    await page.goto(f"{host}/article?imageMs=150", wait_until="load")
    await page.wait_for_selector("#story")
    fcp = await page.evaluate(FCP_SCRIPT)
    await page.goto(f"{host}/shop", wait_until="load")
    await page.wait_for_selector("form")
    if measuring.is_set() and fcp is not None:
        fcps.append(fcp)
    return measuring.is_set()


@dataclass(frozen=True)
class Target:
    url: str
    pid: int


@dataclass
class Tally:
    journeys: int = 0
    fcp_ms: list[float] = field(default_factory=list)


async def user_loop(page: Page, host: str, stop: asyncio.Event, measuring: asyncio.Event, tally: Tally) -> None:
    while not stop.is_set():
        if await journey(page, host, tally.fcp_ms, measuring):
            tally.journeys += 1
        await asyncio.sleep(THINK_S)


async def open_pages(playwright: Playwright, design: Design, users: int) -> tuple[list[Browser], list[Page]]:
    launch = {"executable_path": design.executable, "args": list(CHROMIUM_ARGS)}
    browsers = [await playwright.chromium.launch(**launch) for _ in range(users if design.browser_per_user else 1)]
    pages = []
    for index in range(users):
        context = await browsers[index if design.browser_per_user else 0].new_context()
        pages.append(await context.new_page())
    return browsers, pages


def tree_pss_mb(target_pid: int) -> float:
    """PSS of every process this one started (Playwright's driver, Chromium), the target app excepted."""
    total = 0
    for process in psutil.Process().children(recursive=True):
        if process.pid == target_pid:
            continue
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 2**20


async def measure(playwright: Playwright, design: Design, users: int, target: Target, seconds: float) -> Measure:
    browsers, pages = await open_pages(playwright, design, users)
    stop, measuring = asyncio.Event(), asyncio.Event()
    tally = Tally()
    tasks = [asyncio.create_task(user_loop(page, target.url, stop, measuring, tally)) for page in pages]
    await asyncio.sleep(WARMUP_S)
    measuring.set()
    started = time.monotonic()
    await asyncio.sleep(seconds / 2)
    pss = tree_pss_mb(target.pid)
    await asyncio.sleep(seconds / 2)
    elapsed = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks)
    for browser in browsers:
        await browser.close()
    return Measure(users, pss, tally.journeys, elapsed, tally.fcp_ms)


async def run_all(target: Target, user_counts: list[int], seconds: float) -> dict[str, dict[int, Measure]]:
    results: dict[str, dict[int, Measure]] = {design.name: {} for design in DESIGNS}
    async with async_playwright() as playwright:
        for round_index, users in enumerate(user_counts):
            order = DESIGNS if round_index % 2 == 0 else DESIGNS[::-1]
            for design in order:
                result = await measure(playwright, design, users, target, seconds)
                results[design.name][users] = result
                print(
                    f"{design.name:16} {users:3} users: {result.pss_mb:7.0f} MB PSS, "
                    f"{result.per_minute_per_core():6.1f} journeys/min/core, FCP median {median(result.fcp_ms):.0f} ms",
                    flush=True,
                )
    return results


PEER_NAMES = {"shared-full-chromium": "full chromium binary, shared", "per-user": "a browser per user"}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def per_added_user(by_users: dict[int, Measure]) -> float:
    """PSS per additional user: the slope between the fewest and the most users measured."""
    fewest, most = min(by_users), max(by_users)
    return (by_users[most].pss_mb - by_users[fewest].pss_mb) / (most - fewest)


def report(results: dict[str, dict[int, Measure]], seconds: float) -> tuple[dict, str]:
    cores = os.cpu_count() or 1
    users = sorted(next(iter(results.values())))
    lines = [
        "## browser_capacity",
        "",
        f"The same journey (/article with a late hero image, then /shop, then {THINK_S:g} s of think time) for N "
        f"users, {seconds:g} s each after {WARMUP_S:g} s of warm-up; PSS of Playwright's driver and every Chromium "
        "process (the target app excluded); MB per added user is the slope from the fewest to the most users.",
        "",
        "| design | " + " | ".join(f"{n} users" for n in users) + " | MB per added user |",
        "| --- | " + " | ".join("---" for _ in users) + " | --- |",
    ]
    summary: dict = {}
    for name, by_users in results.items():
        cells = [
            f"{by_users[n].pss_mb:.0f} MB, {by_users[n].per_minute_per_core():.0f} j/min/core, "
            f"FCP {median(by_users[n].fcp_ms):.0f} ms"
            for n in users
        ]
        added = per_added_user(by_users)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {added:.1f} |")
        summary[name] = {
            "mbPerAddedUser": round(added, 1),
            "byUsers": {
                n: {
                    "pssMb": round(by_users[n].pss_mb, 1),
                    "journeysPerMinutePerCore": round(by_users[n].per_minute_per_core(), 1),
                    "fcpMedianMs": round(median(by_users[n].fcp_ms), 1),
                    "journeys": by_users[n].journeys,
                }
                for n in users
            },
        }
    shared = results["shared"]
    five_per_core = min(users, key=lambda n: abs(n - 5 * cores))
    fcp_ratio = median(shared[five_per_core].fcp_ms) / median(shared[min(users)].fcp_ms)
    ratio = summary["per-user"]["mbPerAddedUser"] / summary["shared"]["mbPerAddedUser"]
    lines += [
        "",
        f"- Shared design: **{summary['shared']['mbPerAddedUser']:.1f} MB PSS per added user** "
        f"(goal ≤ {GOAL_MB_PER_USER}; the full chromium binary: "
        f"{summary['shared-full-chromium']['mbPerAddedUser']:.1f}); a browser per user costs {ratio:.1f} times "
        "as much.",
        f"- FCP at {five_per_core} users ({five_per_core / cores:g} per core) is {fcp_ratio:.2f} times the single-user "
        f"figure (goal ≤ 1.10).",
    ]
    summary["fcpRatioAt5PerCore"] = round(fcp_ratio, 3)
    return summary, "\n".join(lines)


def comparisons(summary: dict) -> list[dict]:
    """The shared headless shell against each other design: memory, throughput and FCP at the most users."""
    most = max(summary["shared"]["byUsers"])
    measures = [
        ("MB PSS per added browser user", lambda design: design["mbPerAddedUser"], "lower"),
        (
            f"journeys/min/core at {most} users",
            lambda design: design["byUsers"][most]["journeysPerMinutePerCore"],
            "higher",
        ),
        (f"FCP median at {most} users (ms)", lambda design: design["byUsers"][most]["fcpMedianMs"], "lower"),
    ]
    return [
        {
            "measure": measure,
            "ours": value(summary["shared"]),
            "peer": PEER_NAMES[peer],
            "peerValue": value(summary[peer]),
            "better": better,
        }
        for peer in PEER_NAMES
        for measure, value, better in measures
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--users", default="1,5,10,20")
    args = parser.parse_args()
    user_counts = [int(n) for n in args.users.split(",")]
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "demo_app.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.5)
        results = asyncio.run(run_all(Target(f"http://127.0.0.1:{port}", app.pid), user_counts, args.seconds))
    finally:
        app.terminate()
        app.wait(10)
    summary, markdown = report(results, args.seconds)
    results = {"machine": machine(), "seconds": args.seconds, "designs": summary, "comparisons": comparisons(summary)}
    write_results("browser_capacity", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
