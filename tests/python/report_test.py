"""The experiment report (emulator/experiment/report.py) on run folders whose figures are known by
construction (synthetic_run.py): the files it writes, the figures it states, that it loads
nothing from the network, that it is byte-for-byte repeatable, that bad input exits 2 with one
line naming the file, and that an hour at 200/s (720,000 tasks) takes seconds.

Run: /usr/bin/python3 -m unittest discover -s tests/python -p report_test.py -v
(Debian's interpreter: it has python3-matplotlib and numpy.)
"""

import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from support import ROOT
import synthetic_run

REPORT = os.path.join(ROOT, "emulator", "experiment", "report.py")
sys.path.insert(0, os.path.dirname(REPORT))
import report  # noqa: E402

PLOTS = ("arrivals_dispatches", "in_flight", "backlog", "outcomes", "given_up", "duplicates",
         "latency_cdf", "attempts_per_task", "retry_delays")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOUR_SECONDS_BOUND = 30  # a few seconds when idle; generous for a loaded 2-core machine


def run_report(*args):
    """Runs report.py as the C++ program will; returns the CompletedProcess."""
    return subprocess.run([sys.executable, REPORT, *args], capture_output=True, text=True,
                          timeout=300)


class Tables(html.parser.HTMLParser):
    """The report's tables: tables[id][row header] = {data-stat or column index: cell text}."""

    def __init__(self, text):
        super().__init__()
        self.tables, self.ids = {}, []
        self._table = self._row = self._cell = None
        self._text = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), {})
        elif tag == "tr" and self._table is not None:
            self._row = {"_field": attrs.get("data-field")}
        elif tag in ("th", "td") and self._row is not None:
            self._cell, self._text = attrs.get("data-stat") or str(len(self._row)), ""

    def handle_data(self, data):
        if self._cell is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row[self._cell] = self._text
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            key = self._row.get("_field") or self._row.get("1", "")
            self._table[key] = self._row
            self._row = None
        elif tag == "table":
            self._table = None


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report-test-")
        cls.run_dir = os.path.join(cls.tmp, "one", "hand")
        synthetic_run.hand_run(cls.run_dir)
        cls.result = run_report(cls.run_dir)
        if cls.result.returncode != 0:
            raise AssertionError(f"report.py failed: {cls.result.stderr}")
        with open(os.path.join(cls.run_dir, "report.html"), encoding="utf-8") as f:
            cls.html = f.read()
        cls.tables = Tables(cls.html)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_writes_the_report_and_every_plot_as_png_and_svg(self):
        self.assertEqual(self.result.stdout, os.path.join(self.run_dir, "report.html") + "\n")
        # Nothing but, on a machine's first run, matplotlib's note that it builds its font cache.
        self.assertNotRegex(self.result.stderr, r"Warning|Traceback")
        for name in PLOTS:
            with open(os.path.join(self.run_dir, "plots", name + ".png"), "rb") as f:
                self.assertEqual(f.read(8), PNG_SIGNATURE, name)
            with open(os.path.join(self.run_dir, "plots", name + ".svg"), encoding="utf-8") as f:
                svg = f.read()
            self.assertIn("<svg", svg, name)
            self.assertTrue(svg.rstrip().endswith("</svg>"), name)
            card = re.search(rf'<div class="card" id="plot-{name}"><figure>\s*<svg ', self.html)
            self.assertIsNotNone(card, f"{name} is not inline in report.html")

    def test_loads_nothing_from_anywhere(self):
        # Every http(s) URL in the page is an XML namespace name, which is never fetched.
        for url in re.finditer(r"https?://", self.html):
            before = self.html[max(0, url.start() - 14):url.start()]
            self.assertRegex(before, r'xmlns(:xlink)?="$', self.html[url.start():url.start() + 60])
        for attribute in re.findall(r'\b(?:src|href|xlink:href|action)\s*=\s*"([^"]*)"', self.html):
            self.assertRegex(attribute, r"^(#|plots/[a-z_]+\.(png|svg)$)", attribute)
        self.assertNotRegex(self.html, r"(?i)<script|<link|<iframe|<img|@import|url\((?!#)")
        self.assertEqual(len(self.tables.ids), len(set(self.tables.ids)), "an id is used twice")

    def test_states_the_latency_percentiles_computed_by_hand(self):
        latency = self.tables.tables["latency"]
        for queue, figures in synthetic_run.HAND_FIGURES.items():
            for stat, text in figures.items():
                self.assertEqual(latency[queue][stat], text, f"{queue} {stat}")
        self.assertEqual(latency["alpha"]["succeeded"], "99")
        self.assertEqual(latency["total"]["succeeded"], "199")

    def test_retry_delay_of_exactly_0_2_s_and_no_retry_from_a_duplicate(self):
        retries = self.tables.tables["retries"]
        self.assertEqual(retries["alpha"]["retries"], "1")
        for stat in ("delayMin", "delayP50", "delayMax"):
            self.assertEqual(retries["alpha"][stat], "0.2 s")
        self.assertEqual(retries["beta"]["retries"], "0")

    def test_counts_the_task_given_up_and_the_duplicate(self):
        attempts = self.tables.tables["attempts"]
        self.assertEqual(attempts["alpha"]["givenUp"], "1")
        self.assertEqual(attempts["alpha"]["attemptsMax"], "2")
        self.assertEqual(attempts["alpha"]["attemptsMean"], "1.01")
        self.assertEqual(attempts["beta"]["duplicates"], "1")
        self.assertEqual((attempts["beta"]["tasks"], attempts["beta"]["attemptsMean"]), ("101", "1"))
        summary = self.tables.tables["summary"]
        # Columns: 1 the row name, then alpha, beta, total (summary.json as written).
        self.assertEqual([summary["givenUp"][c] for c in "234"], ["1", "0", "1"])
        self.assertEqual([summary["duplicates"][c] for c in "234"], ["0", "1", "1"])
        self.assertEqual(summary["latency.p50"]["2"], "1.49 s")
        self.assertEqual([summary["unfinished"][c] for c in "234"], ["0", "1", "1"])

    def test_the_scenario_is_shown(self):
        text = re.search(r'<pre class="scenario">(.*?)</pre>', self.html, re.S).group(1)
        with open(os.path.join(self.run_dir, "scenario.json"), encoding="utf-8") as f:
            self.assertEqual(json.loads(html.unescape(text)), json.load(f))

    def test_same_input_same_bytes(self):
        other = os.path.join(self.tmp, "two", "hand")  # same folder name, elsewhere
        shutil.copytree(self.run_dir, other)
        shutil.rmtree(os.path.join(other, "plots"))
        os.remove(os.path.join(other, "report.html"))
        self.assertEqual(run_report(other).returncode, 0)
        for name in ["report.html"] + [f"plots/{p}.{e}" for p in PLOTS for e in ("svg", "png")]:
            with open(os.path.join(self.run_dir, name), "rb") as a, \
                    open(os.path.join(other, name), "rb") as b:
                self.assertTrue(a.read() == b.read(), f"{name} differs")

    def test_compare_overlays_runs_named_by_their_folders(self):
        a, b = os.path.join(self.tmp, "cmp", "a"), os.path.join(self.tmp, "cmp", "b")
        synthetic_run.hand_run(a)
        synthetic_run.hand_run(b)
        out = os.path.join(self.tmp, "cmp", "a-vs-b")
        result = run_report("--compare", a, b, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            tables = Tables(f.read())
        latency = tables.tables["latency"]
        # Both runs are called "hand-built": each takes its folder's name.
        self.assertEqual(latency["a: alpha"]["p90"], "1.89 s")
        self.assertEqual(latency["b: beta"]["p90"], "0.9 s")
        self.assertEqual(latency["b: total"]["p99"], "1.97 s")
        for name in PLOTS:
            self.assertTrue(os.path.exists(os.path.join(out, "plots", name + ".svg")), name)
        self.assertFalse(os.path.exists(os.path.join(a, "report.html")))


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="report-bad-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.run_dir = os.path.join(self.tmp, "run")
        synthetic_run.hand_run(self.run_dir)

    def assert_rejected(self, file_name, fragment=""):
        result = run_report(self.run_dir)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn(os.path.join(self.run_dir, file_name), lines[0])
        self.assertIn(fragment, lines[0])
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "report.html")))
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "plots")))

    def write(self, name, text):
        with open(os.path.join(self.run_dir, name), "w") as f:
            f.write(text)

    def test_missing_series_csv(self):
        os.remove(os.path.join(self.run_dir, "series.csv"))
        self.assert_rejected("series.csv", "missing")

    def test_malformed_summary_json(self):
        self.write("summary.json", '{"name": "x", "queues": [')
        self.assert_rejected("summary.json", "malformed JSON")

    def test_summary_json_without_queues(self):
        self.write("summary.json", '{"name": "x", "total": {}}')
        self.assert_rejected("summary.json", "queues")

    def test_a_queue_summary_json_does_not_list(self):
        with open(os.path.join(self.run_dir, "tasks.csv"), "a") as f:
            f.write("gamma,t1,0.5,1.5,1,succeeded\n")
        self.assert_rejected("tasks.csv", "unknown queue 'gamma' on line 203")

    def test_an_unknown_result(self):
        with open(os.path.join(self.run_dir, "tasks.csv"), "a") as f:
            f.write("alpha,t1,0.5,1.5,1,done\n")
        self.assert_rejected("tasks.csv", "unknown result 'done'")

    def test_a_number_that_does_not_parse(self):
        with open(os.path.join(self.run_dir, "attempts.csv"), "a") as f:
            f.write("alpha,t1,one,0.5,1.5,success,200,0\n")
        self.assert_rejected("attempts.csv", "malformed")

    def test_a_missing_column(self):
        self.write("series.csv", "queue,second,arrivals\nalpha,0,1\n")
        self.assert_rejected("series.csv", "no column 'dispatches'")

    def test_missing_scenario_json(self):
        os.remove(os.path.join(self.run_dir, "scenario.json"))
        self.assert_rejected("scenario.json", "missing")

    def test_compare_needs_two_runs_and_an_out_folder(self):
        result = run_report("--compare", self.run_dir)
        self.assertEqual(result.returncode, 2)


class PiecesTest(unittest.TestCase):
    def test_nearest_rank_takes_a_value_that_occurred(self):
        import numpy as np
        values = np.arange(1, 101) / 100
        self.assertEqual([report.nearest_rank(values, p) for p in (50, 90, 99)], [0.5, 0.9, 0.99])
        self.assertEqual(report.nearest_rank(np.array([7.0]), 99), 7.0)

    def test_seconds_for_people(self):
        self.assertEqual(report.format_seconds(0.2), "0.2 s")
        self.assertEqual(report.format_seconds(1834.2), "1834.2 s (30 min 34 s)")
        self.assertEqual(report.format_seconds(7300), "7300 s (2 h 1 min)")
        self.assertEqual(report.format_value("62.001s"), "62.001 s")
        self.assertEqual(report.format_value(10000), "10,000")

    def test_pretty_json_is_the_same_json(self):
        value = {"name": "x", "queues": [{"queue": {"name": "q" * 90}, "arrivals": [{"at": "0s"}]}],
                 "empty": {}, "list": []}
        self.assertEqual(json.loads(report.pretty_json(value)), value)
        self.assertTrue(all(len(l) <= report.JSON_WIDTH or "q" * 90 in l
                            for l in report.pretty_json(value).splitlines()))


class HourTest(unittest.TestCase):
    def test_an_hour_at_200_a_second_takes_seconds(self):
        tmp = tempfile.mkdtemp(prefix="report-hour-")
        self.addCleanup(shutil.rmtree, tmp, True)
        synthetic_run.hour_run(tmp)
        with open(os.path.join(tmp, "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(summary["total"]["tasks"], 720000)
        self.assertGreater(summary["total"]["attempts"], 790000)
        started = time.monotonic()
        result = run_report(tmp)
        took = time.monotonic() - started
        print(f"\nreport of 720,000 tasks and {summary['total']['attempts']:,} attempts: "
              f"{took:.1f} s", file=sys.stderr)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLess(took, HOUR_SECONDS_BOUND)
        with open(os.path.join(tmp, "report.html"), encoding="utf-8") as f:
            latency = Tables(f.read()).tables["latency"]["hour"]
        for p in ("p50", "p90", "p99"):  # the generator's own nearest-rank figures
            self.assertEqual(latency[p], report.format_value(summary["total"]["latency"][p]), p)


if __name__ == "__main__":
    unittest.main()
