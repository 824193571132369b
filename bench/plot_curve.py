#!/usr/bin/python3
"""Draws bench/results/latency_curve.json (written by `make bench BENCH_FLAGS="--only curve"`)
as latency_curve.png and .svg beside it: client-side p50, p99 and p99.9 against the rate
asked, one panel per transport. Uses the experiment report's figure layout, colours and writer
(emulator/experiment/report.py), so the bench plots and the reports look alike.

    /usr/bin/python3 bench/plot_curve.py bench/results/latency_curve.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator",
                                "experiment"))
import report  # noqa: E402

TRANSPORTS = {"rest": "REST", "grpc": "gRPC"}
STYLES = (("p50", 3, "-"), ("p99", 4, "--"), ("p99.9", 5, ":"))


def main(path):
    with open(path) as f:
        curves = json.load(f)
    fig, axes = report.new_figure(rows=2, height=3.0)
    for ax, transport in zip(axes, TRANSPORTS):
        for color, db in zip(report.LINE_COLORS, (":memory:", "file")):
            points = [p for p in curves.get(f"{transport} {db}", []) if p[0] != "max"]
            rates = [p[1] for p in points]
            for label, column, dash in STYLES:
                ax.plot(rates, [p[column] for p in points], dash, marker="o", markersize=3,
                        color=color, label=f"{db} {label}")
        ax.set_yscale("log")
        ax.set_ylabel(f"{TRANSPORTS[transport]} latency (ms)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    axes[-1].set_xlabel("CreateTask calls asked per second (25, 50, 75, 100 % of the maximum)")
    out_dir = os.path.dirname(os.path.abspath(path))
    report.save_figure(fig, out_dir, "latency_curve")
    print(f"plotted to {os.path.relpath(os.path.join(out_dir, 'latency_curve.png'))}")


if __name__ == "__main__":
    main(sys.argv[1])
