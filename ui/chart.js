// The dispatch-rate sparkline of a queue, drawn with uPlot (ui/package-lock.json pins it) in the
// experiment reports' style: the Okabe-Ito blue for what happened, vermillion dashes for the
// configured limit (emulator/experiment/report.py's LINE_COLORS).

const RATE = '#0072B2';
const LIMIT = '#D55E00';
const POINTS = 60;  // A minute at one stats event a second.

// A queue's recent dispatch rates, and its chart once drawn.
export class Sparkline {
  constructor(label) {
    this.label = label;
    this.times = [];
    this.rates = [];
    this.limits = [];
    this.plot = null;
    this.el = null;
  }

  push(time, rate, limit) {
    this.times.push(time);
    this.rates.push(rate);
    this.limits.push(limit);
    if (this.times.length > POINTS) {
      this.times.shift();
      this.rates.shift();
      this.limits.shift();
    }
    this.plot?.setData(this.data());
    this.describe();
  }

  // The chart's text alternative: the latest rate and limit, kept current with the line.
  describe() {
    if (!this.el) return;
    const last = this.rates.at(-1) ?? 0;
    this.el.setAttribute('aria-label',
      `${this.label}: ${last.toFixed(1)} dispatches per second over the last 10 s; limit ${this.limits.at(-1) ?? '—'}`);
  }

  data() {
    return [this.times, this.rates, this.limits];
  }

  // Draws into `el` (a fresh one each time the table is redrawn).
  mount(el, width = 140, height = 34) {
    this.plot?.destroy();
    const top = () => Math.max(1, ...this.rates, ...this.limits.filter(Number.isFinite)) * 1.1;
    this.plot = new uPlot({
      width, height, class: 'sparkline',
      legend: { show: false }, cursor: { show: false }, select: { show: false },
      scales: { x: { time: false, range: (u, min, max) => [min, max] }, y: { range: () => [0, top()] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: RATE, width: 1.5, fill: 'rgba(0,114,178,0.12)', points: { show: false } },
        { stroke: LIMIT, width: 1, dash: [4, 3], points: { show: false } }],
    }, this.data(), el);
    el.setAttribute('role', 'img');
    this.el = el;
    this.describe();
  }
}
