#!/usr/bin/python3
"""The report of a load and retry experiment: report.html and plots/*.png, plots/*.svg.

Reads a run folder as docs/experiments.md describes it (summary.json, scenario.json, series.csv,
attempts.csv, tasks.csv) and writes, into that folder, report.html (self-contained: every plot an
inline SVG, no script, no font or file loaded from anywhere) and each plot on its own as
plots/NAME.png and plots/NAME.svg. With --compare, several runs go into one report, each run's
queues drawn as labelled lines over the others.

    report.py RUN_DIR
    report.py --compare RUN_DIR RUN_DIR... --out OUT_DIR

Exit status 2, with one line on stderr naming the file, when an input file is missing or
malformed; nothing is written then. The same input gives the same bytes (SVG, PNG and HTML).
Needs Debian's python3-matplotlib (and numpy); run with /usr/bin/python3.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import math
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

OUTCOMES = ("success", "clientError", "serverError", "timeout", "connectionError")
OUTCOME_LABELS = {"success": "success (2xx)", "clientError": "client error (4xx)",
                  "serverError": "server error (5xx, other)", "timeout": "timeout",
                  "connectionError": "connection error"}
# Okabe-Ito: told apart by colour-blind readers too.
OUTCOME_COLORS = {"success": "#009E73", "clientError": "#E69F00", "serverError": "#D55E00",
                  "timeout": "#CC79A7", "connectionError": "#56B4E9"}
LINE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
               "#F0E442")
RESULTS = ("succeeded", "givenUp", "unfinished")
SERIES_COLUMNS = ("arrivals", "dispatches", "inFlight", "backlog") + OUTCOMES + (
    "givenUp", "duplicates")
PERCENTILES = (50, 90, 99)
ALL_PLOTS = ("arrivals_dispatches", "in_flight", "backlog", "outcomes", "given_up", "duplicates",
             "latency_cdf", "attempts_per_task", "retry_delays")
JSON_WIDTH = 96  # scenario.json: a part that fits in this many characters stays on one line
CDF_POINTS = 2000  # a CDF of 720,000 tasks drawn through this many of its points
TIME_STEPS = 1000  # plots over time draw at most this many steps (an hour: 4 s a step)
PEAK_COLUMNS = ("inFlight", "backlog")  # a step shows their most, not their mean

STYLE = {
    "svg.hashsalt": "cloud-tasks-emulator-report",  # fixed ids: same input, same SVG bytes
    "svg.fonttype": "path",  # glyphs as paths: the plot looks the same without DejaVu Sans
    "path.simplify": True,
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "savefig.dpi": 150,
}
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}


class InputError(Exception):
    """A missing or malformed input file; the message names the file."""


# ---------------------------------------------------------------------------------------------
# Reading a run folder


@dataclass
class Run:
    """One run folder, read: its JSON files as parsed, its CSV files as columns (numpy arrays).

    `queues` are the short queue names in summary.json's order; CSV `queue` columns hold an
    index into it.
    """

    folder: str
    label: str
    summary: dict
    scenario: object
    queues: list[str]
    series: dict[str, np.ndarray]
    tasks: dict[str, np.ndarray]
    attempts: dict[str, np.ndarray]


def read_json(path: str) -> object:
    """Returns the parsed JSON file; InputError when it is missing or not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: unreadable: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON: {e}") from None


def short_queue_name(name: str) -> str:
    """`projects/p/locations/l/queues/q` -> `q`; a short name stays as it is."""
    return name.rsplit("/", 1)[-1]


def check_summary(path: str, summary: object) -> list[str]:
    """Returns the short queue names of summary.json; InputError when its shape is wrong."""
    if not isinstance(summary, dict):
        raise InputError(f"{path}: malformed: not a JSON object")
    queues = summary.get("queues")
    if not isinstance(queues, list) or not queues:
        raise InputError(f"{path}: malformed: 'queues' is not a non-empty list")
    names = []
    for i, q in enumerate(queues):
        if not isinstance(q, dict) or not isinstance(q.get("queue"), str) or not q["queue"]:
            raise InputError(f"{path}: malformed: queues[{i}].queue is not a queue name")
        names.append(short_queue_name(q["queue"]))
    if len(set(names)) != len(names):
        raise InputError(f"{path}: malformed: a queue is listed twice")
    if not isinstance(summary.get("total", {}), dict):
        raise InputError(f"{path}: malformed: 'total' is not an object")
    return names


def read_bytes(path: str) -> bytes:
    """The file's bytes; InputError when it is missing or unreadable."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: missing") from None
    except OSError as e:
        raise InputError(f"{path}: unreadable: {e}") from None


def read_csv(path: str, columns: dict[str, str], categories: dict[str, Sequence[str]],
             raw: bytes | None = None) -> dict[str, np.ndarray]:
    """Reads the named columns of a CSV file (or of `raw`, its bytes already read) into arrays
    of the given numpy dtypes.

    A column named in `categories` is read as the index of its value in that list. Empty fields
    read as NaN. Parses in numpy's C reader: no Python object per row. InputError names the file
    when it is missing, lacks a column, or holds a value that does not parse (an unknown queue
    or result among them).
    """
    if raw is None:
        raw = read_bytes(path)
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    header = raw.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")
    for name in columns:
        if name not in header:
            raise InputError(f"{path}: malformed: no column '{name}'")
    if b",," in raw or b",\n" in raw:  # an empty field (unfinished tasks): NaN
        raw = raw.replace(b",,", b",nan,").replace(b",,", b",nan,").replace(b",\n", b",nan\n")
    dtypes = dict(columns)
    for name, values in categories.items():
        # One byte wider than the longest value: a longer name cannot pass as a known one.
        dtypes[name] = f"S{max(len(v.encode()) for v in values) + 1}"
    table = _parse_columns(path, raw, header, dtypes)
    for name, values in categories.items():
        table[name] = category_indexes(path, name, table[name], values)
    return table


def _parse_columns(path: str, raw: bytes, header: list[str],
                   columns: dict[str, str]) -> dict[str, np.ndarray]:
    """numpy.loadtxt over the file's bytes; see read_csv."""
    names = list(columns)
    dtype = np.dtype([(n, columns[n]) for n in names])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(io.BytesIO(raw), delimiter=",", skiprows=1, ndmin=1,
                               usecols=[header.index(n) for n in names], dtype=dtype,
                               comments=None, encoding="utf-8")
    except ValueError as e:
        raise InputError(f"{path}: malformed: {str(e).splitlines()[0]}") from None
    return {n: table[n] for n in names}


def category_indexes(path: str, column: str, raw: np.ndarray, values: Sequence[str]) -> np.ndarray:
    """The index in `values` of each field; InputError names the first unknown one."""
    indexes = np.full(raw.size, -1, dtype=np.int32)
    for i, value in enumerate(values):
        indexes[raw == value.encode()] = i
    unknown = np.flatnonzero(indexes < 0)
    if unknown.size:
        value = raw[unknown[0]].decode("utf-8", "replace")
        raise InputError(f"{path}: malformed: unknown {column} '{value}' on line {unknown[0] + 2}")
    return indexes


def read_run(folder: str) -> Run:
    """Reads every input file of a run folder; InputError at the first bad one."""
    summary_path = os.path.join(folder, "summary.json")
    summary = read_json(summary_path)
    queues = check_summary(summary_path, summary)
    scenario = read_json(os.path.join(folder, "scenario.json"))
    series = read_csv(os.path.join(folder, "series.csv"),
                      {"queue": "", "second": "f8", **{c: "f8" for c in SERIES_COLUMNS}},
                      {"queue": queues})
    tasks = read_csv(os.path.join(folder, "tasks.csv"),
                     {"queue": "", "created": "f8", "finished": "f8", "attempts": "i4",
                      "result": ""}, {"queue": queues, "result": RESULTS})
    attempts = read_attempts(os.path.join(folder, "attempts.csv"), queues)
    label = summary.get("name") if isinstance(summary.get("name"), str) else ""
    return Run(folder, label or base_name(folder), summary, scenario, queues, series, tasks,
               attempts)


def read_attempts(path: str, queues: Sequence[str]) -> dict[str, np.ndarray]:
    """attempts.csv's columns the report needs; task names as fixed-width bytes, as wide as the
    longest line (a bound on any field of it)."""
    raw = read_bytes(path)
    ends = np.append(np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord("\n")), len(raw))
    width = max(1, int(np.diff(ends, prepend=-1).max()))
    return read_csv(path, {"queue": "", "task": f"S{width}", "attempt": "i4",
                           "dispatched": "f8", "answered": "f8", "duplicate": "i1"},
                    {"queue": queues}, raw)


def base_name(folder: str) -> str:
    """The folder's own name, even when given with a trailing slash."""
    return os.path.basename(os.path.normpath(os.path.abspath(folder)))


# ---------------------------------------------------------------------------------------------
# What gets drawn: one line per queue (per run and queue when comparing)


@dataclass
class Line:
    """One queue of one run, ready to draw: its per-second series and its distributions."""

    label: str
    color: str
    run: str
    rate: float | None
    cap: float | None
    series: dict[str, np.ndarray]
    latencies: np.ndarray  # sorted, seconds, succeeded tasks only
    attempts_per_task: np.ndarray  # one value per task
    retry_delays: np.ndarray  # sorted, seconds
    given_up: int = 0
    duplicates: int = 0
    step: int = 1  # seconds per step in the plots over time


def retry_delays_by_queue(attempts: dict[str, np.ndarray], count: int) -> list[np.ndarray]:
    """For attempt n > 1 of a task: dispatched(n) - answered(n - 1), sorted, per queue index.

    Second deliveries (duplicate = 1) are left out: they repeat an attempt, not retry it.
    """
    keep = attempts["duplicate"] == 0
    queue, task, number = attempts["queue"][keep], attempts["task"][keep], attempts["attempt"][keep]
    dispatched, answered = attempts["dispatched"][keep], attempts["answered"][keep]
    order = np.lexsort((number, task, queue))
    queue, task, number = queue[order], task[order], number[order]
    dispatched, answered = dispatched[order], answered[order]
    follows = ((queue[1:] == queue[:-1]) & (task[1:] == task[:-1]) &
               (number[1:] == number[:-1] + 1))
    delays = dispatched[1:][follows] - answered[:-1][follows]
    delay_queue = queue[1:][follows]
    ok = np.isfinite(delays)
    delays, delay_queue = delays[ok], delay_queue[ok]
    return [np.sort(delays[delay_queue == i]) for i in range(count)]


def lines_of_run(run: Run, label_runs: bool) -> list[Line]:
    """One Line per queue of the run; labels carry the run's label when comparing."""
    delays = retry_delays_by_queue(run.attempts, len(run.queues))
    lines = []
    for i, name in enumerate(run.queues):
        label = name
        if label_runs:
            label = run.label if len(run.queues) == 1 else f"{run.label}: {name}"
        lines.append(line_of_queue(run, i, label, delays[i]))
    return lines


def line_of_queue(run: Run, index: int, label: str, retry_delays: np.ndarray) -> Line:
    """The Line of the run's queue number `index`."""
    config = run.summary["queues"][index]
    rows = run.series["queue"] == index
    order = np.argsort(run.series["second"][rows], kind="stable")
    series = {c: run.series[c][rows][order] for c in ("second",) + SERIES_COLUMNS}
    mine = run.tasks["queue"] == index
    result = run.tasks["result"]
    succeeded = mine & (result == RESULTS.index("succeeded"))
    latencies = np.sort(run.tasks["finished"][succeeded] - run.tasks["created"][succeeded])
    return Line(label=label, color="", run=run.label,
                rate=number_or_none(config.get("maxDispatchesPerSecond")),
                cap=number_or_none(config.get("maxConcurrentDispatches")), series=series,
                latencies=latencies, attempts_per_task=run.tasks["attempts"][mine],
                retry_delays=retry_delays,
                given_up=int(np.count_nonzero(mine & (result == RESULTS.index("givenUp")))),
                duplicates=int(series["duplicates"].sum()))


def number_or_none(value: object) -> float | None:
    """A JSON number as float; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def prepare_lines(lines: list[Line]) -> None:
    """Gives each line its colour, in order, and all the same step (see TIME_STEPS)."""
    end = max((float(l.series["second"].max()) + 1 for l in lines if l.series["second"].size),
              default=1.0)
    for i, line in enumerate(lines):
        line.color = LINE_COLORS[i % len(LINE_COLORS)]
        line.step = max(1, math.ceil(end / TIME_STEPS))


def stepped(line: Line, values: np.ndarray, peak: bool) -> tuple[np.ndarray, np.ndarray]:
    """(step starts, values per step): per-second values as they are when the step is 1 s,
    else their mean per second over each step, or their most when `peak`."""
    seconds = line.series["second"]
    if line.step == 1 or seconds.size == 0:
        return seconds, values
    index = (seconds // line.step).astype(np.int64)
    if peak:
        out = np.full(index.max() + 1, -np.inf)
        np.maximum.at(out, index, values)
        out[np.isinf(out)] = 0
    else:
        present = np.bincount(index)
        out = np.bincount(index, weights=values) / np.maximum(present, 1)
    return np.arange(out.size, dtype=float) * line.step, out


def nearest_rank(sorted_values: np.ndarray, percent: int) -> float:
    """The nearest-rank percentile (as summary.json states it): the value at rank
    ceil(percent / 100 * n), a value that occurred (no interpolation); the rank is computed in
    integers, so no float rounding can move it."""
    n = sorted_values.size
    if n == 0:
        return math.nan
    rank = max(1, -(-percent * n // 100))
    return float(sorted_values[rank - 1])


# ---------------------------------------------------------------------------------------------
# Plots over time


# Margins in inches, the same for every plot: the x axes of the plots line up on the page, and
# no layout engine runs (constrained layout took half the time of drawing).
WIDTH, LEFT, RIGHT, TOP, BOTTOM, GAP = 9.0, 0.8, 2.45, 0.42, 0.52, 0.55
LEGEND_CHARS = 30  # a legend label longer than this is cut (the tables carry full names)


def new_figure(rows: int = 1, height: float = 3.3) -> tuple[Figure, list[Axes]]:
    """A figure WIDTH inches wide with `rows` axes of `height` inches (margins included)
    stacked over a shared x axis; room for a legend on the right."""
    total = height * rows
    fig = Figure(figsize=(WIDTH, total))
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    panel = (total - TOP - BOTTOM - GAP * (rows - 1)) / rows
    fig.subplots_adjust(left=LEFT / WIDTH, right=1 - RIGHT / WIDTH, top=1 - TOP / total,
                        bottom=BOTTOM / total, hspace=GAP / panel)
    return fig, list(axes)


def short_label(text: str) -> str:
    """A label cut to LEGEND_CHARS characters."""
    return text if len(text) <= LEGEND_CHARS else text[:LEGEND_CHARS - 1] + "…"


def time_axis(ax: Axes, lines: Sequence[Line], label: bool = True) -> None:
    """x from 0 to the end of the longest run, in seconds."""
    end = max((float(l.series["second"].max()) + 1 for l in lines if l.series["second"].size),
              default=1.0)
    ax.set_xlim(0, end)
    if label:
        ax.set_xlabel("time since the start of the run (s)")
    ax.set_ylim(bottom=0)


def steps(ax: Axes, line: Line, column: str, values: np.ndarray | None = None,
          peak: bool = False, **style) -> None:
    """A per-second column (or `values` in its place) drawn as steps of line.step seconds."""
    x, y = stepped(line, line.series[column] if values is None else values,
                   peak or column in PEAK_COLUMNS)
    if x.size:
        x = np.append(x, x[-1] + line.step)
        y = np.append(y, y[-1])
    ax.step(x, y, where="post", color=line.color, **style)


def limit_lines(ax: Axes, lines: Sequence[Line], attribute: str) -> bool:
    """Dashed horizontal lines at each line's configured limit; True when any was drawn."""
    drawn = False
    for line in lines:
        value = getattr(line, attribute)
        if value is not None:
            ax.axhline(value, color=line.color, linestyle="--", linewidth=1.1, alpha=0.9)
            drawn = True
    return drawn


def legend(ax: Axes, lines: Sequence[Line], styles: Sequence[tuple[str, dict]]) -> None:
    """One legend right of the plot: a colour per line (when more than one), then the styles
    (what solid, dotted and dashed mean), in the line's colour when there is one line."""
    handles = []
    if len(lines) > 1:
        handles += [Line2D([], [], color=l.color, linewidth=2, label=short_label(l.label))
                    for l in lines]
    ink = lines[0].color if len(lines) == 1 else "#444444"
    handles += [Line2D([], [], color=ink, label=text, **style) for text, style in styles]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def plot_arrivals_dispatches(lines: Sequence[Line]) -> Figure:
    """Arrivals and dispatches per second against maxDispatchesPerSecond. Arrivals are a light
    area for one line, a dotted line for several (areas on top of each other turn grey)."""
    fig, (ax,) = new_figure()
    for line in lines:
        if len(lines) == 1:
            x, y = stepped(line, line.series["arrivals"], peak=False)
            if x.size:
                ax.fill_between(np.append(x, x[-1] + line.step), np.append(y, y[-1]),
                                step="post", color=line.color, alpha=0.18, linewidth=0)
        else:
            steps(ax, line, "arrivals", linewidth=1.2, linestyle=":")
        steps(ax, line, "dispatches", linewidth=1.4)
    arrivals = {"linewidth": 8, "alpha": 0.25} if len(lines) == 1 else {"linestyle": ":"}
    styles = [("arrivals", arrivals), ("dispatches (retries included)", {})]
    if limit_lines(ax, lines, "rate"):
        styles.append(("maxDispatchesPerSecond", {"linestyle": "--"}))
    ax.set_title("Arrivals and dispatches per second")
    ax.set_ylabel("tasks or attempts per second")
    time_axis(ax, lines)
    legend(ax, lines, styles)
    return fig


def plot_in_flight(lines: Sequence[Line]) -> Figure:
    """The most requests in flight in each second, against maxConcurrentDispatches."""
    fig, (ax,) = new_figure()
    for line in lines:
        steps(ax, line, "inFlight", linewidth=1.4)
    styles = [("in flight (most in the second)", {})]
    if limit_lines(ax, lines, "cap"):
        styles.append(("maxConcurrentDispatches", {"linestyle": "--"}))
    ax.set_title("Requests in flight")
    ax.set_ylabel("requests")
    time_axis(ax, lines)
    legend(ax, lines, styles)
    return fig


def plot_backlog(lines: Sequence[Line]) -> Figure:
    """Tasks waiting (created, not finished, not in flight) at the end of each second."""
    fig, (ax,) = new_figure()
    for line in lines:
        steps(ax, line, "backlog", linewidth=1.4)
    ax.set_title("Tasks waiting (backlog)")
    ax.set_ylabel("tasks")
    time_axis(ax, lines)
    legend(ax, lines, [("created, not finished, not in flight", {})])
    return fig


def plot_outcomes(lines: Sequence[Line]) -> Figure:
    """Attempts answered per second, stacked by outcome; one panel per line."""
    fig, axes = new_figure(len(lines), height=2.6 if len(lines) > 1 else 3.3)
    for ax, line in zip(axes, lines):
        stacked = [stepped(line, line.series[o], peak=False) for o in OUTCOMES]
        x, ys = stacked[0][0], [y for _, y in stacked]
        if x.size:
            x = np.append(x, x[-1] + line.step)
            ys = [np.append(y, y[-1]) for y in ys]
        ax.stackplot(x, *ys, step="post", colors=[OUTCOME_COLORS[o] for o in OUTCOMES],
                     linewidth=0)
        ax.set_ylabel("attempts per second")
        ax.set_title(("Attempts by outcome per second (stacked)" if ax is axes[0] else "")
                     + ("" if len(lines) == 1 else f"\n{short_label(line.label)}"), loc="left")
        time_axis(ax, lines, label=ax is axes[-1])
    handles = [Patch(color=OUTCOME_COLORS[o], label=OUTCOME_LABELS[o]) for o in OUTCOMES]
    axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_given_up(lines: Sequence[Line]) -> Figure:
    """Tasks given up per second (top) and in total so far (bottom)."""
    fig, (top, bottom) = new_figure(2, height=2.2)
    for line in lines:
        steps(top, line, "givenUp", linewidth=1.2)
        steps(bottom, line, "givenUp", np.cumsum(line.series["givenUp"]), peak=True,
              linewidth=1.4)
    top.set_title("Tasks given up")
    top.set_ylabel("per second")
    bottom.set_ylabel("in total")
    time_axis(top, lines, label=False)
    time_axis(bottom, lines)
    if not any(l.series["givenUp"].any() for l in lines):
        empty_note(top, "no task was given up")
        top.set_ylim(0, 1)
        bottom.set_ylim(0, 1)
    legend(top, lines, [])
    return fig


def plot_duplicates(lines: Sequence[Line]) -> Figure:
    """Second deliveries of an attempt, per second."""
    fig, (ax,) = new_figure()
    for line in lines:
        steps(ax, line, "duplicates", linewidth=1.4)
    ax.set_title("Duplicates delivered per second")
    ax.set_ylabel("second deliveries per second")
    time_axis(ax, lines)
    legend(ax, lines, [])
    return fig


# ---------------------------------------------------------------------------------------------
# Distributions


def empty_note(ax: Axes, text: str) -> None:
    """Says in the middle of an empty plot why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#666666")


def wide(values: np.ndarray) -> bool:
    """True when positive values span more than two orders of magnitude (log axis then)."""
    positive = values[values > 0]
    return positive.size > 0 and positive.max() / positive.min() > 100


def plot_latency_cdf(lines: Sequence[Line]) -> Figure:
    """End-to-end latency of succeeded tasks as a CDF, with p50, p90 and p99 marked."""
    fig, (ax,) = new_figure(height=3.6)
    everything = np.concatenate([l.latencies for l in lines])
    for line in lines:
        cdf_line(ax, line)
    if len(lines) == 1 and everything.size:
        text = "\n".join(f"p{p} {format_seconds(nearest_rank(everything, p), short=True):>12}"
                         for p in PERCENTILES)
        ax.text(0.98, 0.05, text, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=8.5, family="monospace", linespacing=1.5,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "#cccccc"})
    if everything.size == 0:
        empty_note(ax, "no task succeeded")
    elif wide(everything):
        ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 0.9, 1.0])
    ax.set_title("End-to-end latency (created to succeeded)")
    ax.set_xlabel("latency (s)")
    ax.set_ylabel("fraction of succeeded tasks")
    markers = [(f"p{p}", {"marker": m, "linestyle": "", "markersize": 5})
               for p, m in zip(PERCENTILES, "os^")]
    legend(ax, lines, markers)
    return fig


def cdf_line(ax: Axes, line: Line) -> None:
    """One CDF, through at most CDF_POINTS of its points, and its percentile markers."""
    values = line.latencies
    n = values.size
    if n == 0:
        return
    index = np.unique(np.linspace(0, n - 1, min(n, CDF_POINTS)).round().astype(np.int64))
    x = np.concatenate([[values[0]], values[index]])
    y = np.concatenate([[0.0], (index + 1) / n])
    ax.step(x, y, where="post", color=line.color, linewidth=1.5)
    for percent, marker in zip(PERCENTILES, "os^"):
        value = nearest_rank(values, percent)
        ax.plot([value], [percent / 100], marker=marker, color=line.color, markersize=6,
                markeredgecolor="white", markeredgewidth=0.8, linestyle="")


def plot_attempts_per_task(lines: Sequence[Line]) -> Figure:
    """How many tasks took 1, 2, 3... attempts; bars side by side for several lines."""
    fig, (ax,) = new_figure()
    top = max((int(l.attempts_per_task.max()) for l in lines if l.attempts_per_task.size),
              default=0)
    width = 0.8 / len(lines)
    counts_seen = []
    for i, line in enumerate(lines):
        counts = np.bincount(line.attempts_per_task.clip(min=0), minlength=top + 1)
        x = np.arange(top + 1) + (i - (len(lines) - 1) / 2) * width
        ax.bar(x[1:], counts[1:], width=width, color=line.color)
        counts_seen.append(counts)
    if top == 0:
        empty_note(ax, "no task")
    elif wide(np.concatenate(counts_seen).astype(float)):
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0.4, max(top, 1) + 0.6)
    ax.set_title("Attempts per task")
    ax.set_xlabel("attempts (duplicates not counted)")
    ax.set_ylabel("tasks")
    legend(ax, lines, [])
    return fig


def plot_retry_delays(lines: Sequence[Line]) -> Figure:
    """Time from an attempt's answer to the next attempt's dispatch, as a histogram."""
    fig, (ax,) = new_figure()
    everything = np.concatenate([l.retry_delays for l in lines])
    if everything.size == 0:
        empty_note(ax, "no retries")
    else:
        bins = retry_bins(everything)
        for line in lines:
            if line.retry_delays.size:
                ax.hist(line.retry_delays, bins=bins, color=line.color, alpha=0.35,
                        histtype="stepfilled")
                ax.hist(line.retry_delays, bins=bins, color=line.color, histtype="step",
                        linewidth=1.3)
        if bins[0] > 0 and bins[-1] / bins[0] > 100:
            ax.set_xscale("log")
    ax.set_title("Retry delays (answer of attempt n-1 to dispatch of attempt n)")
    ax.set_xlabel("delay (s)")
    ax.set_ylabel("retries")
    legend(ax, lines, [])
    return fig


def retry_bins(values: np.ndarray) -> np.ndarray:
    """50 bins: log-spaced when the values are wide, one narrow bin when they are all equal."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        half = max(abs(low) * 0.05, 0.001)
        return np.array([low - half, low + half])
    if low > 0 and high / low > 100:
        return np.geomspace(low, high, 51)
    return np.linspace(low, high, 51)


# ---------------------------------------------------------------------------------------------
# Writing plots


@dataclass
class Plot:
    """A written plot: its file name (without extension), caption and inline SVG."""

    name: str
    caption: str
    svg: str


PLOTS: list[tuple[str, Callable[[Sequence[Line]], Figure], str]] = [
    ("arrivals_dispatches", plot_arrivals_dispatches,
     "Tasks created (shaded, or dotted when there are several lines) and attempts sent (solid) "
     "per second; the dashed line is the queue's maxDispatchesPerSecond."),
    ("in_flight", plot_in_flight,
     "The most requests in flight at any moment of each second; dashed: maxConcurrentDispatches."),
    ("backlog", plot_backlog,
     "Tasks created and not finished that are not in flight, at the end of each second."),
    ("outcomes", plot_outcomes, "Attempts answered in each second, by outcome."),
    ("given_up", plot_given_up,
     "Tasks dropped by the retry rule (maxAttempts and maxRetryDuration), per second and in "
     "total."),
    ("duplicates", plot_duplicates,
     "Second deliveries of an attempt (cloudTasks.duplicateRate), per second."),
    ("latency_cdf", plot_latency_cdf,
     "The fraction of succeeded tasks that finished within a given time of their creation; "
     "given-up tasks are left out. Percentiles are nearest-rank."),
    ("attempts_per_task", plot_attempts_per_task, "How many attempts each task took."),
    ("retry_delays", plot_retry_delays,
     "For each retry: the time between the previous attempt's answer and its dispatch."),
]


def write_plots(lines: Sequence[Line], out_dir: str) -> list[Plot]:
    """Draws each plot, writes plots/NAME.png and plots/NAME.svg, returns them for the HTML.

    The duplicates plot is drawn only when some duplicate was delivered; a stale file of a plot
    not drawn this time is removed.
    """
    plots_dir = os.path.join(out_dir, "plots")
    os.makedirs(plots_dir, exist_ok=True)
    written = []
    with matplotlib.rc_context(STYLE):
        for name, draw, caption in PLOTS:
            if name == "duplicates" and not any(l.series["duplicates"].any() for l in lines):
                remove_plot(plots_dir, name)
                continue
            fig = draw(lines)
            written.append(Plot(name, caption, save_figure(fig, plots_dir, name)))
    return written


def save_figure(fig: Figure, plots_dir: str, name: str) -> str:
    """Writes NAME.png and NAME.svg; returns the SVG text."""
    fig.savefig(os.path.join(plots_dir, name + ".png"), format="png", metadata=PNG_METADATA,
                facecolor="white")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA, facecolor="white")
    svg = buffer.getvalue()
    with open(os.path.join(plots_dir, name + ".svg"), "w", encoding="utf-8", newline="\n") as f:
        f.write(svg)
    return svg


def remove_plot(plots_dir: str, name: str) -> None:
    """Removes NAME.png and NAME.svg if they exist."""
    for ext in (".png", ".svg"):
        path = os.path.join(plots_dir, name + ext)
        if os.path.exists(path):
            os.remove(path)


def inline_svg(svg: str, prefix: str, title: str) -> str:
    """The SVG as an element of the HTML page: no XML prolog or metadata, ids prefixed so that
    several plots on one page never share one, and sized by CSS from its viewBox."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'<svg ([^>]*?)\bwidth="[^"]*" height="[^"]*"',
                 lambda m: f'<svg {m.group(1)}class="plot" role="img" '
                           f'aria-label="{html.escape(title)}"', svg, count=1)
    return svg.strip()


# ---------------------------------------------------------------------------------------------
# Figures for the tables


def format_seconds(value: float, short: bool = False) -> str:
    """Seconds to the millisecond, trailing zeros dropped: 1.49 s, 0.2 s; unless `short`, minutes
    or hours added from two minutes on: 1834.2 s (30 min 34 s)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:.3f}".rstrip("0").rstrip(".") + " s"
    if value >= 120 and not short:
        whole = int(round(value))
        hours, minutes, seconds = whole // 3600, whole // 60 % 60, whole % 60
        text += f" ({hours} h {minutes} min)" if hours else f" ({minutes} min {seconds} s)"
    return text


def format_value(value: object, short: bool = False) -> str:
    """A summary.json value for a table cell: Durations as seconds (see format_seconds),
    numbers with separators."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        match = re.fullmatch(r"(-?\d+(?:\.\d+)?)s", value)
        return format_seconds(float(match.group(1)), short) if match else value
    return json.dumps(value, sort_keys=True)


SUMMARY_ROWS = [
    ("maxDispatchesPerSecond", "max dispatches per second"),
    ("maxBurstSize", "max burst size"),
    ("maxConcurrentDispatches", "max concurrent dispatches"),
    ("tasks", "tasks"), ("succeeded", "succeeded"), ("givenUp", "given up"),
    ("unfinished", "unfinished"), ("attempts", "attempts"),
    ("duplicates", "duplicates delivered"),
    ("processedTwice", "tasks answered 2xx twice or more"), ("drainTime", "drain time"),
    ("peakInFlight", "peak in flight"), ("peakBacklog", "peak backlog"),
    ("latency.p50", "latency p50"), ("latency.p90", "latency p90"),
    ("latency.p99", "latency p99"), ("latency.max", "latency max"),
    ("attemptsPerTask.mean", "attempts per task, mean"),
    ("attemptsPerTask.max", "attempts per task, max"),
]


def flatten(record: dict, prefix: str = "") -> dict[str, object]:
    """{"latency": {"p50": x}} -> {"latency.p50": x}."""
    flat = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# ---------------------------------------------------------------------------------------------
# HTML

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d1d1f; background: #f5f6f8; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #d8dbe0; }
.meta { color: #555; margin: 0 0 16px; }
.meta span { margin-right: 18px; }
.card { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 14px 16px;
        margin: 0 0 16px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid #eceef1; text-align: right;
         white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f2f5; font-weight: 600; }
thead tr.runs th { background: #e4e8ee; text-align: center; }
tbody th { font-weight: normal; color: #333; }
td.total, th.total { font-weight: 600; }
figure { margin: 0; }
svg.plot { display: block; width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; margin-top: 6px; }
figcaption a { color: #0b5cad; }
pre { margin: 0; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre;
      overflow-x: auto; }
details > summary { cursor: pointer; font-weight: 600; }
details[open] > summary { margin-bottom: 8px; }
.stats { margin-top: 10px; }
.note { color: #555; margin: -4px 0 12px; }
pre.scenario { max-height: 470px; overflow: auto; }
.pair { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr); gap: 16px;
        align-items: start; }
@media (max-width: 900px) { .pair { grid-template-columns: minmax(0, 1fr); } }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap: 10px;
         margin: 8px 0 0; }
.tile { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 10px 10px; }
.tile .value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums;
               white-space: nowrap; }
.tile .label { color: #666; font-size: 12px; }
"""


def page(title: str, body: Iterable[str]) -> str:
    """The whole HTML document: inline CSS, no script, nothing loaded from elsewhere."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def header(runs: Sequence[Run], compare: bool) -> str:
    """The title and the run's mode, seed and wall time."""
    if compare:
        title = "Comparison: " + " vs ".join(r.label for r in runs)
        return f"<h1>{html.escape(title)}</h1>\n" + "".join(
            f"<p class=\"meta\"><strong>{html.escape(r.label)}</strong> {run_meta(r)}</p>\n"
            for r in runs)
    run = runs[0]
    return (f"<h1>Experiment: {html.escape(run.label)}</h1>\n"
            f"<p class=\"meta\">{run_meta(run)}</p>")


def run_meta(run: Run) -> str:
    """mode, seed, wall time and folder of a run, as spans."""
    parts = [("mode", run.summary.get("mode")), ("seed", run.summary.get("seed")),
             ("wall time", run.summary.get("wallTime")), ("folder", base_name(run.folder))]
    return "".join(f"<span>{k}: <strong>{html.escape(format_value(v))}</strong></span>"
                   for k, v in parts if v is not None)


def summary_table(runs: Sequence[Run], compare: bool) -> str:
    """summary.json's figures: a column per queue and one for the total, runs side by side."""
    columns = []  # (run index, header, record, is total)
    for r, run in enumerate(runs):
        for q, name in enumerate(run.queues):
            columns.append((r, name, flatten(run.summary["queues"][q]), False))
        if len(run.queues) > 1:
            columns.append((r, "total", flatten(run.summary.get("total") or {}), True))
    keys = [k for k, _ in SUMMARY_ROWS]
    extra = sorted({k for _, _, rec, _ in columns for k in rec} - set(keys) - {"queue"})
    rows = SUMMARY_ROWS + [(k, k) for k in extra]
    head = ""
    if compare:
        head = "<tr class=\"runs\"><th></th>" + "".join(
            f"<th colspan=\"{len(run.queues) + (len(run.queues) > 1)}\">"
            f"{html.escape(run.label)}</th>"
            for run in runs) + "</tr>\n"
    head += "<tr><th></th>" + "".join(
        f"<th{total_class(total)}>{html.escape(name)}</th>"
        for _, name, _, total in columns) + "</tr>"
    body = "\n".join(
        f"<tr data-field=\"{html.escape(key)}\"><th>{html.escape(label)}</th>" + "".join(
            f"<td{total_class(total)}>{html.escape(format_value(rec.get(key), compare))}</td>"
            for _, _, rec, total in columns) + "</tr>"
        for key, label in rows)
    return table_card("summary", head, body)


def total_class(total: bool) -> str:
    """The class attribute of a total's cell."""
    return ' class="total"' if total else ""


def table_card(name: str, head: str, body: str) -> str:
    """A table in a scrolling card."""
    return (f"<div class=\"card scroll\"><table id=\"{name}\">\n<thead>\n{head}\n</thead>\n"
            f"<tbody>\n{body}\n</tbody>\n</table></div>")


def stat_rows(runs: Sequence[Run], lines: Sequence[Line],
              cell: Callable[[Sequence[Line], bool], list[tuple[str, str]]]) -> list[str]:
    """Rows of a statistics table: one per line and, for a run of several queues, its total.
    Durations are short (no minutes) when there are several rows."""
    rows = []
    by_run = {}
    for line in lines:
        by_run.setdefault(line.run, []).append(line)
    for run in runs:
        mine = by_run.get(run.label, [])
        groups = [(l.label, [l], False) for l in mine]
        if len(mine) > 1:
            groups.append((f"{run.label}: total" if len(runs) > 1 else "total", mine, True))
        for label, group, total in groups:
            cls = total_class(total)
            rows.append(f"<tr><th{cls}>{html.escape(label)}</th>" + "".join(
                f"<td data-stat=\"{stat}\"{cls}>{html.escape(text)}</td>"
                for stat, text in cell(group, len(lines) > 1)) + "</tr>")
    return rows


def latency_cells(group: Sequence[Line], short: bool) -> list[tuple[str, str]]:
    """succeeded count, p50, p90, p99 and max of the group's latencies."""
    values = np.sort(np.concatenate([l.latencies for l in group]))
    cells = [("succeeded", f"{values.size:,}")]
    cells += [(f"p{p}", format_seconds(nearest_rank(values, p), short)) for p in PERCENTILES]
    cells.append(("max", format_seconds(float(values[-1]) if values.size else math.nan, short)))
    return cells


def attempt_cells(group: Sequence[Line], short: bool) -> list[tuple[str, str]]:
    """Tasks, attempts per task (mean, max), given up and duplicates of the group."""
    per_task = np.concatenate([l.attempts_per_task for l in group])
    mean = f"{per_task.mean():.4f}".rstrip("0").rstrip(".") if per_task.size else "—"
    return [("tasks", f"{per_task.size:,}"), ("attemptsMean", mean),
            ("attemptsMax", f"{int(per_task.max()):,}" if per_task.size else "—"),
            ("givenUp", f"{sum(l.given_up for l in group):,}"),
            ("duplicates", f"{sum(l.duplicates for l in group):,}")]


def retry_cells(group: Sequence[Line], short: bool) -> list[tuple[str, str]]:
    """Number of retries and their delay: min, p50, p90, max."""
    values = np.sort(np.concatenate([l.retry_delays for l in group]))
    low = float(values[0]) if values.size else math.nan
    high = float(values[-1]) if values.size else math.nan
    return [("retries", f"{values.size:,}"), ("delayMin", format_seconds(low, short)),
            ("delayP50", format_seconds(nearest_rank(values, 50), short)),
            ("delayP90", format_seconds(nearest_rank(values, 90), short)),
            ("delayMax", format_seconds(high, short))]


def stats_table(name: str, columns: Sequence[str], rows: list[str]) -> str:
    """A small statistics table under a plot."""
    head = "<tr><th></th>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>"
    return (f"<div class=\"scroll\"><table id=\"{name}\" class=\"stats\">\n<thead>{head}</thead>\n"
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>")


def figure(plot: Plot, extra: str = "") -> str:
    """A plot in a card: the inline SVG, its caption with links to its files, a table."""
    title = plot.name.replace("_", " ")
    return (f"<div class=\"card\" id=\"plot-{plot.name}\"><figure>\n"
            f"{inline_svg(plot.svg, plot.name, title)}\n<figcaption>{html.escape(plot.caption)} "
            f"<a href=\"plots/{plot.name}.png\">PNG</a> · "
            f"<a href=\"plots/{plot.name}.svg\">SVG</a></figcaption>\n</figure>{extra}</div>")


def scenario_section(runs: Sequence[Run]) -> str:
    """Each run's scenario.json, pretty-printed, in a card that can fold (folded when there
    are several)."""
    parts = []
    for run in runs:
        name = f"scenario.json of {run.label}" if len(runs) > 1 else "scenario.json"
        state = "" if len(runs) > 1 else " open"
        parts.append(f"<div class=\"card\"><details{state}><summary>{html.escape(name)}</summary>"
                     f"<pre class=\"scenario\">{html.escape(pretty_json(run.scenario))}</pre>"
                     f"</details></div>")
    return "\n".join(parts)


def pretty_json(value: object, indent: int = 0, taken: int = 0) -> str:
    """JSON indented by two, with any object or list that fits on one line of JSON_WIDTH
    (`taken`: characters already on the line after the indent, e.g. a key) on one line."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if indent + taken + len(flat) <= JSON_WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = " " * (indent + 2)
    if isinstance(value, dict):
        keys = {k: json.dumps(k, ensure_ascii=False) + ": " for k in value}
        items = [inner + keys[k] + pretty_json(v, indent + 2, len(keys[k]))
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [inner + pretty_json(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


KEY_FIGURES = [("tasks", "tasks"), ("succeeded", "succeeded"), ("givenUp", "given up"),
               ("attempts", "attempts"), ("drainTime", "drain time"),
               ("peakInFlight", "peak in flight"), ("peakBacklog", "peak backlog"),
               ("latency.p99", "latency p99")]


def key_figures(runs: Sequence[Run], compare: bool) -> str:
    """A row of the run's headline figures (summary.json's total); none when comparing."""
    if compare:
        return ""
    total = flatten(runs[0].summary.get("total") or {})
    tiles = "".join(
        f"<div class=\"tile\"><div class=\"value\">{html.escape(tile_value(total.get(k)))}</div>"
        f"<div class=\"label\">{html.escape(label)}</div></div>"
        for k, label in KEY_FIGURES if k in total)
    return f"<div class=\"tiles\">{tiles}</div>" if tiles else ""


def tile_value(value: object) -> str:
    """A headline figure: as in the tables, but minutes alone for a long duration."""
    text = format_value(value)
    match = re.fullmatch(r".* s \((.*)\)", text)
    return match.group(1) if match else text


def step_note(lines: Sequence[Line]) -> str:
    """What one step of the plots over time covers."""
    step = lines[0].step if lines else 1
    if step == 1:
        return ("<p class=\"note\">Time in seconds from the start of the run; each step is one "
                "second of series.csv.</p>")
    return (f"<p class=\"note\">Time in seconds from the start of the run; each step covers "
            f"{step} seconds of series.csv: the mean per second for counts, the most for "
            f"requests in flight and tasks waiting.</p>")


def report_html(runs: Sequence[Run], lines: Sequence[Line], plots: Sequence[Plot],
                compare: bool) -> str:
    """The report page: header, summary, the plots over time, the distributions, scenario."""
    by_name = {p.name: p for p in plots}
    tables = {
        "latency_cdf": stats_table("latency", ["succeeded", "p50", "p90", "p99", "max"],
                                   stat_rows(runs, lines, latency_cells)),
        "attempts_per_task": stats_table(
            "attempts", ["tasks", "mean", "max", "given up", "duplicates"],
            stat_rows(runs, lines, attempt_cells)),
        "retry_delays": stats_table("retries", ["retries", "min", "p50", "p90", "max"],
                                    stat_rows(runs, lines, retry_cells)),
    }
    over_time = [figure(by_name[n]) for n in ALL_PLOTS[:6] if n in by_name]
    distributions = [figure(by_name[n], tables.get(n, "")) for n in ALL_PLOTS[6:] if n in by_name]
    title = header(runs, compare)
    body = [title, key_figures(runs, compare), "<h2>Summary and scenario</h2>",
            f"<div class=\"{'stack' if compare else 'pair'}\">{summary_table(runs, compare)}"
            f"{scenario_section(runs)}</div>",
            "<h2>Over time</h2>", step_note(lines), *over_time,
            "<h2>Distributions</h2>", *distributions]
    name = " vs ".join(r.label for r in runs)
    return page(f"{'Comparison' if compare else 'Experiment'}: {name}", body)


# ---------------------------------------------------------------------------------------------
# Command line


def unique_labels(runs: Sequence[Run]) -> None:
    """Runs compared under one name (e.g. the same scenario twice) take their folder names, and
    a number if those clash too."""
    labels = [r.label for r in runs]
    if len(set(labels)) == len(labels):
        return
    for run in runs:
        run.label = base_name(run.folder)
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run.label = f"{run.label} ({seen[run.label]})"


def make_report(folders: Sequence[str], out_dir: str, compare: bool) -> str:
    """Reads the runs, writes the plots and report.html into out_dir; returns its path."""
    runs = [read_run(f) for f in folders]
    unique_labels(runs)
    lines = [l for r in runs for l in lines_of_run(r, compare)]
    prepare_lines(lines)
    os.makedirs(out_dir, exist_ok=True)
    plots = write_plots(lines, out_dir)
    path = os.path.join(out_dir, "report.html")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(report_html(runs, lines, plots, compare))
    return path


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """RUN_DIR, or --compare RUN_DIR RUN_DIR... --out OUT_DIR."""
    parser = argparse.ArgumentParser(
        prog="report.py", description="Writes report.html and plots/ for experiment runs.")
    parser.add_argument("run_dir", nargs="?", help="a run folder; the report is written into it")
    parser.add_argument("--compare", nargs="+", metavar="RUN_DIR",
                        help="two or more run folders, overlaid in one report")
    parser.add_argument("--out", metavar="OUT_DIR", help="where --compare writes the report")
    args = parser.parse_args(argv)
    if args.compare is not None:
        if args.run_dir is not None or args.out is None or len(args.compare) < 2:
            parser.error("--compare takes two or more run folders and --out OUT_DIR")
    elif args.run_dir is None or args.out is not None:
        parser.error("give one RUN_DIR, or --compare RUN_DIR RUN_DIR... --out OUT_DIR")
    return args


def main(argv: Sequence[str]) -> int:
    """Exit status 0 on success, 2 (and one line on stderr) on bad input."""
    args = parse_args(argv)
    try:
        if args.compare is not None:
            path = make_report(args.compare, args.out, compare=True)
        else:
            path = make_report([args.run_dir], args.run_dir, compare=False)
    except InputError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
