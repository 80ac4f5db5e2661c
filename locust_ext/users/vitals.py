"""Web vitals of the pages a browser user visits: TTFB, FCP, LCP and CLS, measured in the page.

An init script (written for this project) observes each top-level document with PerformanceObserver and
keeps its values under a random document id. The user reads them before each browser step (outside the
step's timing): a new id means the previous step loaded a new document, and the old document, now left,
is reported with its last values, read just before the step that left it. When the journey ends the
current document is read once more (after a frame, so a fresh page has painted) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VITALS = ("TTFB", "FCP", "LCP", "CLS")

INIT_SCRIPT = r"""
(() => {
  if (window !== window.top || window.__fleetVitals) return;
  const id = Date.now().toString(36) + Math.random().toString(36).slice(2);
  const state = { fcp: null, lcp: null, cls: 0 };
  let announcePaint;
  const painted = new Promise((resolve) => { announcePaint = resolve; });
  // CLS as the metric defines it: the largest session window of shifts not caused by input
  // (shifts less than 1 s apart, a window at most 5 s long).
  let windowValue = 0, windowStart = 0, windowLast = 0;
  const handlers = {
    'paint': (entry) => {
      if (entry.name !== 'first-contentful-paint') return;
      state.fcp = entry.startTime;
      announcePaint();
    },
    'largest-contentful-paint': (entry) => { state.lcp = entry.startTime; },
    'layout-shift': (entry) => {
      if (entry.hadRecentInput) return;
      const joins = windowValue > 0 && entry.startTime - windowLast < 1000 && entry.startTime - windowStart < 5000;
      if (joins) {
        windowValue += entry.value;
      } else {
        windowValue = entry.value;
        windowStart = entry.startTime;
      }
      windowLast = entry.startTime;
      state.cls = Math.max(state.cls, windowValue);
    },
  };
  const observers = [];
  for (const [type, handle] of Object.entries(handlers)) {
    try {
      const observer = new PerformanceObserver((list) => list.getEntries().forEach(handle));
      observer.observe({ type, buffered: true });
      observers.push([observer, handle]);
    } catch (unsupported) {}
  }
  const read = () => {
    // Entries not yet delivered to the observers' callbacks count too.
    for (const [observer, handle] of observers) observer.takeRecords().forEach(handle);
    const navigation = performance.getEntriesByType('navigation')[0];
    const ttfb = navigation ? Math.max(0, navigation.responseStart - (navigation.activationStart || 0)) : null;
    return { id, url: location.href, ttfb, fcp: state.fcp, lcp: state.lcp, cls: state.cls };
  };
  // Resolves once the page has painted content, or after `ms`.
  read.painted = (ms) => Promise.race([painted, new Promise((done) => setTimeout(done, ms))]);
  Object.defineProperty(window, '__fleetVitals', { value: read });
})();
"""

READ_SCRIPT = "() => (window.__fleetVitals ? window.__fleetVitals() : null)"

# At the journey's end a page that has not painted yet gets up to 500 ms to do so: Chromium reports the first
# paint a few frames after it happens, often after the load event a GOTO waits for.
FINAL_READ_SCRIPT = """async () => {
  const read = window.__fleetVitals;
  if (!read) return null;
  if (read().fcp === null && location.protocol.startsWith('http')) await read.painted(500);
  return read();
}"""


@dataclass(slots=True)
class _Document:
    id: str
    row_name: str
    values: dict[str, Any]
    reported: bool = False


@dataclass(frozen=True, slots=True)
class VitalsReport:
    """The vitals of one document, for rows named `row_name` (the journey and the step that loaded it)."""

    row_name: str
    url: str
    values: dict[str, float]


class VitalsTracker:
    """One browser user's documents: which step loaded each, and when each is to be reported."""

    def __init__(self) -> None:
        self._current: _Document | None = None
        self._last_step: str = ""

    def before_step(self, snapshot: dict[str, Any] | None, row_name: str) -> list[VitalsReport]:
        """A read just before the step `row_name` runs; returns the report of the document left, if any."""
        reports = self._see(snapshot)
        self._last_step = row_name
        return reports

    def journey_ended(self, snapshot: dict[str, Any] | None) -> list[VitalsReport]:
        """The final read of the journey; returns what is left to report, the current document included."""
        reports = self._see(snapshot)
        current = self._current
        if current is not None and not current.reported:
            current.reported = True
            reports.extend(_report(current))
        return reports

    def _see(self, snapshot: dict[str, Any] | None) -> list[VitalsReport]:
        if not snapshot or not isinstance(snapshot.get("id"), str):
            return []
        current = self._current
        if current is not None and current.id == snapshot["id"]:
            current.values = snapshot
            return []
        self._current = _Document(snapshot["id"], self._last_step, snapshot)
        if current is None or current.reported:
            return []
        current.reported = True
        return _report(current)


def _report(document: _Document) -> list[VitalsReport]:
    values = document.values
    url = str(values.get("url", ""))
    # The blank page a context starts with, and Chromium's error pages, are nobody's web vitals.
    if not url.startswith(("http://", "https://")) or not document.row_name:
        return []
    measured = {
        "TTFB": values.get("ttfb"),
        "FCP": values.get("fcp"),
        "LCP": values.get("lcp"),
        # CLS has no unit; x 1000 makes it readable as Locust's "response time" (0.1 becomes 100).
        "CLS": values["cls"] * 1000 if isinstance(values.get("cls"), int | float) else None,
    }
    kept = {name: float(value) for name, value in measured.items() if isinstance(value, int | float)}
    return [VitalsReport(document.row_name, url, kept)] if kept else []
