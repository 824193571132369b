// The experiment report (emulator/experiment/report.py) in headless Chromium: Debian's chromium,
// driven by playwright-core (no browser download). Each report opens from file:// offline with
// no console error, no failed request and no request for anything but itself; every plot's inline
// <svg> is laid out with a non-zero size in the proportions of its viewBox. A full-page
// screenshot of each is kept. Run by report_test.sh, which writes the reports first.
//
// Environment: CTE_REPORTS, a JSON list of {"html": path, "screenshot": path};
// CTE_CHROMIUM (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CTE_CHROMIUM ?? '/usr/bin/chromium';
const REPORTS = JSON.parse(process.env.CTE_REPORTS ?? '[]');
const MIN_PLOTS = 8;

let browser;

before(async () => {
  assert.ok(REPORTS.length > 0, 'CTE_REPORTS names no report');
  // Chromium's sandbox refuses to start as root (the test containers run as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
});

after(async () => {
  await browser?.close();
});

// Opens the report with the network cut off; returns what it asked for and what went wrong.
async function open(context, file) {
  const page = await context.newPage();
  const seen = { requests: [], failed: [], errors: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('requestfailed', (r) => seen.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  return { page, seen };
}

// Each plot card's <svg>: its laid-out size and its viewBox.
function plotSizes(page) {
  return page.$$eval('div.card[id^="plot-"]', (cards) => cards.map((card) => {
    const svg = card.querySelector('svg.plot');
    const box = svg?.getBoundingClientRect();
    const view = svg?.viewBox?.baseVal;
    return {
      id: card.id, width: box?.width ?? 0, height: box?.height ?? 0,
      viewWidth: view?.width ?? 0, viewHeight: view?.height ?? 0,
      shapes: svg ? svg.querySelectorAll('path, use').length : 0,
    };
  }));
}

for (const report of REPORTS) {
  test(`renders ${report.html} offline, every plot with a size`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.setOffline(true);
    // A request that leaves file:// is recorded above and refused here.
    await context.route(/^(?!file:)/, (route) => route.abort('blockedbyclient'));
    try {
      const { page, seen } = await open(context, report.html);
      const self = pathToFileURL(report.html).href;
      assert.deepEqual(seen.requests.filter((u) => u !== self), [], 'requests beyond the page');
      assert.deepEqual(seen.failed, [], 'failed requests');
      assert.deepEqual(seen.errors, [], 'console errors');
      const plots = await plotSizes(page);
      assert.ok(plots.length >= MIN_PLOTS, `only ${plots.length} plots`);
      for (const p of plots) {
        assert.ok(p.width > 300 && p.height > 100, `${p.id} is ${p.width}x${p.height}`);
        assert.ok(p.shapes > 10, `${p.id} draws nothing`);
        const ratio = (p.height / p.width) / (p.viewHeight / p.viewWidth);
        assert.ok(Math.abs(ratio - 1) < 0.02, `${p.id} is stretched (${ratio})`);
      }
      await page.screenshot({ path: report.screenshot, fullPage: true });
    } finally {
      await context.close();
    }
  });
}
