// Times the dashboard's trends page against a running `wbe serve` (see run.sh): sign in once,
// then load /app/#/trends RUNS times and read the page's own "drawn" mark and the API timings.
// Env: BASE (server URL), TOKEN (analyst token), RUNS (5), OUT (results.json path),
//      NODE_MODULES (where playwright-core is), CHROMIUM (/usr/bin/chromium),
//      PHASES (run.sh's preparation timings, copied into the results).
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const NODE_MODULES = process.env.NODE_MODULES || '/work/main/build/pipeline/dashboard/node_modules';
const { chromium } = createRequire(NODE_MODULES + '/')('playwright-core');
const BASE = process.env.BASE, TOKEN = process.env.TOKEN;
const RUNS = Number(process.env.RUNS || 5);
if (!BASE || !TOKEN) { console.error('BASE and TOKEN are required (run.sh sets them)'); process.exit(2); }

const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const r1 = x => Math.round(x * 10) / 10;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();

  // Sign in through the real form, so the app stores the token and whoami's user itself.
  await page.goto(`${BASE}/app/#/signin`);
  await page.getByTestId('token-input').fill(TOKEN);
  await page.getByTestId('signin-submit').click();
  await page.waitForFunction(() => sessionStorage.getItem('wbe.user'));

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto('about:blank');  // a full page load each time, not an in-app route change
    await page.goto(`${BASE}/app/#/trends`);
    await page.waitForFunction(() => document.body.dataset.rendered === 'trends', null, { timeout: 120000 });
    runs.push(await page.evaluate(() => {
      const api = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/'));
      const series = api.filter(e => new URL(e.name).pathname.endsWith('/series'));
      const last = series[series.length - 1];
      const opt = window.wbeCharts.trends.getOption();
      const lens = opt.series.map(s => s.data.length);
      return {
        rendered_ms: window.wbeRenderedAt,
        series_requests: series.length,  // 2 when the drug has no consumption and mass is fetched too
        series_url: last && last.name,
        series_response_end_ms: last && last.responseEnd,
        series_server_and_transfer_ms: last && last.responseEnd - last.requestStart,
        series_bytes: last && (last.encodedBodySize || last.transferSize),
        series_decoded_bytes: last && last.decodedBodySize,
        api: api.map(e => ({ path: new URL(e.name).pathname.replace('/api/v1/', ''), start_ms: e.startTime,
          server_and_transfer_ms: e.responseEnd - e.requestStart, bytes: e.encodedBodySize })),
        chart_series: opt.series.length,
        points_min: Math.min(...lens), points_max: Math.max(...lens),
        non_null_points: opt.series.reduce((n, s) => n + s.data.filter(v => v != null).length, 0),
        drug: sessionStorage.getItem('wbe.drug') || document.querySelector('[data-testid=drug-select]')?.value,
      };
    }));
  }

  const first = runs[0];
  const apiMs = (r, path) => r.api.find(a => a.path === path)?.server_and_transfer_ms;
  const phases = process.env.PHASES && existsSync(process.env.PHASES)
    ? Object.fromEntries(readFileSync(process.env.PHASES, 'utf8').trim().split('\n').map(l => l.split(' ')).map(([k, v]) => [k, Number(v)]))
    : null;
  const summary = {
    date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
    server: BASE, viewport: '1280x800', drug: first.drug,
    chart_series: first.chart_series, points_per_series: [first.points_min, first.points_max],
    median_rendered_ms: r1(median(runs.map(r => r.rendered_ms))),
    median_series_ms: r1(median(runs.map(r => r.series_server_and_transfer_ms))),
    series_kb: r1(first.series_bytes / 1024),
    // The first load after the server starts also loads the page's files into its caches.
    first_load_ms: r1(first.rendered_ms), first_drugs_ms: r1(apiMs(first, 'drugs')),
    median_later_rendered_ms: runs.length > 1 ? r1(median(runs.slice(1).map(r => r.rendered_ms))) : null,
    preparation_s: phases,
    runs,
  };
  if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify(summary, null, 1) + '\n');
  if (first.chart_series !== 30 || first.points_min < 360)
    console.warn(`warning: expected 30 series of ~365 points, got ${first.chart_series} of ${first.points_min}-${first.points_max}`);
  console.log(`trends page, ${first.chart_series} districts x ${first.points_max} days (real server, drug ${first.drug}): ` +
    `median ${Math.round(summary.median_rendered_ms)} ms from navigation to drawn ` +
    `(runs ${runs.map(r => Math.round(r.rendered_ms)).join(', ')}); ` +
    `/series ${Math.round(summary.median_series_ms)} ms, ${Math.round(summary.series_kb)} KB` +
    (first.series_decoded_bytes !== first.series_bytes ? ` (${Math.round(first.series_decoded_bytes / 1024)} KB decoded)` : ''));
  if (runs.length > 1)
    console.log(`first load after server start ${Math.round(summary.first_load_ms)} ms (/drugs ${Math.round(summary.first_drugs_ms)} ms); ` +
      `later loads median ${Math.round(summary.median_later_rendered_ms)} ms`);
  if (process.env.OUT) console.log(`results: ${process.env.OUT}`);
} finally {
  await browser.close();
}
