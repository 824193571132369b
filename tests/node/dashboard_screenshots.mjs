// The README's and docs/dashboard.md's pictures of the dashboard (docs/images/dashboard-*.png):
// the real emulator (system clock) and a cloud-tasks-worker that takes 50-400 ms and fails 10 %,
// three queues fed at different rates for 40 s, then a screenshot of the queues page and of one
// queue. Not a test: run by hand after a visible change of the dashboard.
// Usage: node dashboard_screenshots.mjs EMULATOR WORKER OUT_DIR
import path from 'node:path';
import { chromium } from 'playwright-core';
import { start, stop, rest } from './dashboard_procs.mjs';

const [emulatorBin, workerBin, out] = process.argv.slice(2);
const PARENT = 'projects/demo/locations/europe-west1';
const QUEUES = [['image-generation', 20, 24], ['email-delivery', 5, 4], ['reports', 2, 0.5]];

const emulator = await start(emulatorBin, ['--port', '0', '--db', ':memory:', '--log-level', 'off']);
const worker = await start(workerBin, ['--latency-model', 'uniform:50ms,400ms', '--failure', '500:0.1']);
const api = rest(emulator.url);
try {
  for (const [id, rate] of QUEUES) {
    await api('POST', `/v2/${PARENT}/queues`, { name: `${PARENT}/queues/${id}`,
      rateLimits: { maxDispatchesPerSecond: rate, maxConcurrentDispatches: 50 },
      retryConfig: { maxAttempts: 5, minBackoff: '2s', maxBackoff: '30s' } });
  }
  await api('POST', `/v2/${PARENT}/queues/reports:pause`, {});
  const body = Buffer.from(JSON.stringify({ prompt: 'a lighthouse at dawn', size: 1024 })).toString('base64');
  const feed = setInterval(() => {
    for (const [id, , perSecond] of QUEUES) {
      const n = Math.random() < perSecond % 1 ? Math.ceil(perSecond) : Math.floor(perSecond);
      for (let i = 0; i < n * 0.5; ++i) {
        api('POST', `/v2/${PARENT}/queues/${id}/tasks`, { task: { httpRequest: {
          url: `${worker.url}/${id}`, body, headers: { 'Content-Type': 'application/json' } } } });
      }
    }
  }, 500);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 520 } });
  await page.goto(`${emulator.url}/ui/`);
  await page.waitForTimeout(40_000);
  await page.screenshot({ path: path.join(out, 'dashboard-queues.png') });
  await page.goto(`${emulator.url}/ui/#/queue/${encodeURIComponent(`${PARENT}/queues/image-generation`)}`);
  await page.setViewportSize({ width: 1360, height: 1000 });
  await page.waitForTimeout(3000);
  clearInterval(feed);
  await page.screenshot({ path: path.join(out, 'dashboard-queue.png') });
  await browser.close();
} finally {
  await stop(emulator);
  await stop(worker);
}
