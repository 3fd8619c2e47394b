// End-to-end test of the wbe dashboard: a real demo server, headless Chromium driven by
// playwright-core, every check against what the API itself says. Exit 0 = pass.
//
// Env: WBE_BIN, WBE_DASHBOARD_DIR, WBE_NODE_MODULES (holds playwright-core), WBE_SCREENSHOT_DIR,
// WBE_E2E_WORK (scratch, wiped), CHROMIUM (default /usr/bin/chromium).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from './server.mjs';
import { synthSeries } from './synth.mjs';

const env = name => {
  const v = process.env[name];
  if (!v) { console.error(`dashboard_e2e_test: set ${name}`); process.exit(2); }
  return v;
};
const BIN = env('WBE_BIN');
const WWW = path.resolve(env('WBE_DASHBOARD_DIR'));
const SHOTS = path.resolve(env('WBE_SCREENSHOT_DIR'));
const WORK = path.resolve(env('WBE_E2E_WORK'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(path.resolve(env('WBE_NODE_MODULES')) + '/')('playwright-core');

const MSG = {
  en: JSON.parse(fs.readFileSync(path.join(WWW, 'messages/en.json'), 'utf8')),
  zh: JSON.parse(fs.readFileSync(path.join(WWW, 'messages/zh-CN.json'), 'utf8')),
};

// ---------------------------------------------------------------- small helpers
let step = 'setup';
const log = msg => console.log(`[e2e] ${msg}`);
function check(cond, msg) { if (!cond) throw new Error(`${step}: ${msg}`); }
function eq(actual, expected, msg) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${step}: ${msg}\n  expected: ${e.slice(0, 2000)}\n  actual:   ${a.slice(0, 2000)}`);
}
const round = (x, d = 6) => (x == null ? null : Number(Number(x).toPrecision(d)));

function api(base, token) {
  return async (p, { method = 'GET', body, headers = {} } = {}) => {
    const res = await fetch(`${base}/api/v1/${p}`, { method, body, headers: { Authorization: `Bearer ${token}`, ...headers } });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* CSV or empty */ }
    return { status: res.status, json, text };
  };
}

// The README's corrections: one sample's area x 1.02 (a new version), or two cells made unparsable.
function csvFields(line) { return line.split(','); }
function correctedBatch(text) {
  let done = false;
  return text.split('\n').map(line => {
    const f = csvFields(line);
    if (!done && f[2] === 'sample') { f[7] = String(Number(f[7]) * 1.02); done = true; return f.join(','); }
    return line;
  }).join('\n');
}
function badBatch(text) {
  return text.split('\n').map((line, i) => {
    if (i + 1 !== 5 && i + 1 !== 9) return line;
    const f = csvFields(line); f[7] = '12a4'; return f.join(',');
  }).join('\n');
}

async function shot(page, name, opts = {}) {
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true, ...opts });
  log(`screenshot ${name}`);
}

// Wait until the router says this page has finished drawing (body[data-rendered]).
async function rendered(page, name, timeout = 120000) {
  await page.waitForFunction(n => document.body.dataset.rendered === n, name, { timeout });
  const err = await page.$('[data-testid=page-error]');
  if (err) throw new Error(`${step}: page ${name} shows an error: ${await err.textContent()}`);
}

async function signIn(page, base, token, expectPage) {
  await page.goto(`${base}/app/#/signin`);
  await rendered(page, 'signin');
  await page.fill('[data-testid=token-input]', token);
  await page.click('[data-testid=signin-submit]');
  await rendered(page, expectPage);
}

async function dropFile(page, selector, name, content) {
  await page.evaluate(({ selector, name, content }) => {
    const zone = document.querySelector(selector);
    const dt = new DataTransfer();
    dt.items.add(new File([content], name, { type: 'text/csv' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, { selector, name, content });
}

// ISO week of a Monday (UTC), as the API spells it: 2026-W07.
function isoWeek(monday) {
  const thu = new Date(monday.getTime() + 3 * 86400000); // a week belongs to the year of its Thursday
  const dayOfYear = Math.floor((thu - Date.UTC(thu.getUTCFullYear(), 0, 1)) / 86400000);
  return `${thu.getUTCFullYear()}-W${String(Math.floor(dayOfYear / 7) + 1).padStart(2, '0')}`;
}

// Choose a report week on the overview ('' = the latest) and wait for the overview to show it.
async function pickWeek(page, week) {
  await page.fill('[data-testid=week-picker]', week);
  await page.click('[data-testid=week-apply]');
  await rendered(page, 'overview');
  if (week) await page.waitForFunction(w => document.querySelector('[data-testid=overview-week]').textContent.includes(w), week);
}

const labUpdates = page => page.evaluate(() => Number(document.body.dataset.labUpdate || 0));
const waitLabUpdate = (page, after) => page.waitForFunction(n => Number(document.body.dataset.labUpdate || 0) > n, after, { timeout: 60000 });

const navLabels = page => page.$$eval('#nav a:not([hidden])', as => as.map(a => [a.dataset.page, a.textContent.trim()]));

// ---------------------------------------------------------------- the steps
async function labSteps(page, base, tokens, dataDir) {
  step = 'lab: sign in';
  await page.goto(`${base}/app/`);
  await rendered(page, 'signin');
  await shot(page, 'signin.png');
  await page.fill('[data-testid=token-input]', tokens.lab);
  await page.click('[data-testid=signin-submit]');
  await rendered(page, 'lab');
  eq((await navLabels(page)).map(x => x[0]), ['lab'], 'a lab token sees only the lab page in the nav');
  check(await page.isVisible('[data-testid=dropzone]'), 'the lab role sees the upload zone');

  step = 'lab: drop a corrected batch';
  const batchDir = path.join(dataDir, 'inputs/lab-batches');
  const source = fs.readdirSync(batchDir).filter(f => f.endsWith('.csv')).sort()[0];
  check(source, `no demo lab batch in ${batchDir}`);
  const original = fs.readFileSync(path.join(batchDir, source), 'utf8');
  const corrected = correctedBatch(original);
  check(corrected !== original, 'the corrected batch differs from the original');
  const before = await labUpdates(page);
  const uploaded = page.waitForResponse(r => r.request().method() === 'POST' && r.url().includes('/api/v1/batches?'));
  await dropFile(page, '[data-testid=dropzone]', `corrected-${source}`, corrected);
  const upload = await (await uploaded).json();
  eq(upload.already_ingested, false, 'the corrected batch is a new version');
  await waitLabUpdate(page, before);
  await page.waitForSelector('[data-testid=qc-verdict]');
  const shownVerdict = await page.getAttribute('[data-testid=qc-verdict]', 'data-verdict');
  const title = await page.textContent('[data-testid=report-title]');
  const batchId = source.replace(/\.csv$/, '');
  const server = await api(base, tokens.lab)(`batches/${encodeURIComponent(batchId)}`);
  eq(server.status, 200, `GET /batches/${batchId}`);
  eq(shownVerdict, server.json.qc_report.verdict, 'the verdict shown is the server\'s QC verdict');
  eq(shownVerdict, server.json.verdict, 'the verdict shown is the server\'s batch verdict');
  check(title.includes(batchId) && title.includes(String(server.json.version)), `report title "${title}" names ${batchId} v${server.json.version}`);
  const versions = await page.$$eval(`[data-testid=history-row][data-batch="${batchId}"]`, rows => rows.map(r => Number(r.dataset.version)));
  check(versions.length >= 2, `history shows ${versions.length} version(s) of ${batchId}, expected >= 2`);
  eq([...versions].sort((a, b) => a - b), server.json.versions.map(v => v.version).sort((a, b) => a - b), 'history versions = server versions');
  const analyteRows = await page.$$eval('[data-testid=analyte-row]', rows => rows.map(r => [r.dataset.analyte, r.dataset.status]));
  eq(analyteRows, server.json.qc_report.analytes.map(a => [a.analyte, a.status]), 'per-analyte QC table = server report');
  const curve = await page.evaluate(() => ({
    standards: window.wbeCharts.curve.getOption().series.find(s => s.id === 'standards').data.length,
    fit: window.wbeCharts.curve.getOption().series.find(s => s.id === 'fit').data.length,
    acc: window.wbeCharts.residuals.getOption().series.find(s => s.id === 'accuracy').data.length,
  }));
  check(curve.standards > 0 && curve.fit > 10 && curve.acc > 0, `calibration charts drawn: ${JSON.stringify(curve)}`);
  await shot(page, 'lab-verdict.png');
  log(`lab upload: ${batchId} v${server.json.version}, verdict ${shownVerdict}, ${versions.length} versions in history`);

  step = 'lab: drop a bad batch';
  const bad = badBatch(corrected);
  const badName = `bad-${source}`;
  const direct = await api(base, tokens.lab)(`batches?method=wbe-demo-lab&filename=${encodeURIComponent(badName)}`,
    { method: 'POST', body: bad, headers: { 'Content-Type': 'text/csv' } });
  eq(direct.status, 422, 'the server rejects the bad batch');
  const expected = direct.json.error.errors.map(e => [String(e.row), e.column ?? e.field]);
  check(expected.length === 2, `server reports 2 errors, got ${expected.length}`);
  const before2 = await labUpdates(page);
  await dropFile(page, '[data-testid=dropzone]', badName, bad);
  await waitLabUpdate(page, before2);
  await page.waitForSelector('[data-testid=upload-errors]');
  eq(await page.getAttribute('[data-testid=upload-errors]', 'data-status'), '422', 'the page reports the 422');
  const shown = await page.$$eval('[data-testid=upload-error-row]', rows => rows.map(r => [
    r.querySelector('[data-testid=err-row]').textContent.trim(), r.querySelector('[data-testid=err-column]').textContent.trim()]));
  eq(shown, expected, 'the page lists each error with the row and column the server reported');
  const messages = await page.$$eval('[data-testid=err-message]', els => els.map(e => e.textContent.trim()));
  eq(messages, direct.json.error.errors.map(e => e.message), 'error messages as reported');
  await shot(page, 'lab-errors.png');
  return upload.job;
}

// The upload starts a re-estimation; the analyst's checks compare page and API on its result,
// so both must read the same snapshot.
async function waitForJob(base, token, job) {
  if (!job?.id) return;
  step = `wait for re-estimation job ${job.id}`;
  const deadline = Date.now() + 600000;
  for (;;) {
    const r = await api(base, token)(`jobs/${encodeURIComponent(job.id)}`);
    check(r.status === 200, `GET /jobs/${job.id}: ${r.status}`);
    if (r.json.state === 'done') { log(`re-estimation ${job.id} done (${r.json.estimates} estimates)`); return; }
    check(r.json.state !== 'failed', `re-estimation failed: ${r.json.message}`);
    check(Date.now() < deadline, 're-estimation still running after 10 min');
    await new Promise(res => setTimeout(res, 250)); // poll interval while waiting for a server-side condition
  }
}

async function analystSteps(page, base, tokens) {
  step = 'analyst: sign out and in';
  await page.click('[data-testid=signout]');
  await rendered(page, 'signin');
  await page.fill('[data-testid=token-input]', tokens.analyst);
  await page.click('[data-testid=signin-submit]');
  await rendered(page, 'overview');
  eq((await navLabels(page)).map(x => x[0]), ['overview', 'trends', 'district', 'network', 'lab'], 'analyst nav');

  step = 'analyst: overview ranking';
  const A = api(base, tokens.analyst);
  const alerts = (await A('alerts')).json;
  const ranking = await page.$$eval('[data-testid=ranking-row]', rows => rows.map(r => r.dataset.group));
  eq(ranking, alerts.ranking.map(r => r.group_id), 'ranking rows = /alerts ranking, in order');
  const firstReason = await page.textContent('[data-testid=ranking-row] td:nth-child(4)');
  const r0 = alerts.ranking[0];
  check(r0.reasons_zh.length === 0 ? firstReason.includes(MSG.zh['overview.noReason']) : firstReason.includes(r0.reasons_zh[0]),
    'the first group\'s reason is the API\'s Chinese text');
  await shot(page, 'overview.png');

  step = 'analyst: district from the ranking';
  const group = ranking[0];
  await page.click(`[data-testid=ranking-row][data-group="${group}"] [data-testid=ranking-group]`);
  await page.waitForFunction(g => location.hash === `#/district/${encodeURIComponent(g)}`, group);
  await rendered(page, 'district');
  const drug = await page.inputValue('[data-testid=drug-select]');
  const groups = (await A(`estimates?level=district&period=week&drug=${drug}&from=${alerts.monday}&to=${alerts.sunday}`)).json.groups;
  const districts = groups.find(g => g.districts.join('+') === group).districts;
  const est = (await A(`estimates?level=district&period=day&drug=${encodeURIComponent(drug)}&district=${encodeURIComponent(districts[0])}`)).json
    .estimates.filter(e => e.group_id === group).sort((a, b) => a.start_date.localeCompare(b.start_date));
  check(est.length > 0, `the API has daily estimates for ${group}/${drug}`);
  const chart = await page.evaluate(() => {
    const o = window.wbeCharts.daily.getOption();
    const s = id => o.series.find(x => x.id === id)?.data ?? null;
    const w = window.wbeCharts.weekly.getOption();
    const ws = id => w.series.find(x => x.id === id)?.data ?? null;
    return { days: o.xAxis[0].data, median: s('median'), lower: s('band-lower'), width: s('band'),
      forecast: ws('forecast'), fan50: ws('fan50'), fan95: ws('fan95'), weekBand: ws('week-band') };
  });
  const shownDays = chart.days.filter((d, i) => chart.median[i] != null);
  eq(shownDays.length, est.length, `daily chart has as many days with a value as the API (${group}, ${drug})`);
  eq(shownDays, est.map(e => e.start_date), 'same days as the API');
  const val = (e, q) => e.consumption_mg_per_day_per_1000[q] ?? (e.mass_mg_per_day[q] / e.population * 1000);
  eq(chart.median.filter(v => v != null).map(v => round(v)), est.map(e => round(val(e, 'median'))), 'daily medians = API medians');
  eq(chart.lower.filter(v => v != null).map(v => round(v)), est.map(e => round(val(e, 'p05'))), '90 % band lower edge = API p05');
  const upper = chart.lower.map((lo, i) => (lo == null ? null : lo + chart.width[i])).filter(v => v != null);
  eq(upper.map(v => round(v, 5)), est.map(e => round(val(e, 'p95'), 5)), '90 % band upper edge = API p95');
  check(chart.weekBand?.some(v => v != null), 'weekly 90 % band drawn');
  check(chart.forecast?.some(v => v != null) && chart.fan50?.some(v => v != null) && chart.fan95?.some(v => v != null), 'forecast median and fan drawn');
  const gaps = chart.days.length - shownDays.length;
  log(`district ${group}/${drug}: ${shownDays.length} days match the API (${gaps} gap day(s)), forecast fan present`);

  step = 'analyst: CSV export';
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
  const csvPath = path.join(WORK, 'export.csv');
  await download.saveAs(csvPath);
  const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const iDate = header.indexOf('date'), iMedian = header.indexOf('median'), iGroup = header.indexOf('group_id');
  check(iDate >= 0 && iMedian >= 0, `CSV header has date and median: ${lines[0]}`);
  const csvRows = lines.slice(1).map(l => l.split(',')).filter(f => f[iMedian] !== '');
  eq(csvRows.map(f => f[iDate]), est.map(e => e.start_date), 'CSV days = API days');
  eq(csvRows.map(f => round(Number(f[iMedian]))), est.map(e => round(val(e, 'median'))), 'CSV medians = API medians');
  check(csvRows.every(f => f[iGroup] === group), 'CSV rows are the group\'s');
  const iBatches = header.indexOf('provenance.batch_ids'), iCatalogue = header.indexOf('provenance.catalogue_version');
  check(iBatches >= 0 && iCatalogue >= 0, `CSV header has the provenance: ${lines[0]}`);
  eq(csvRows.map(f => f[iBatches]), est.map(e => String(e.provenance.batch_ids).split(',').filter(Boolean).join(' ')), 'CSV batch ids = API provenance');
  eq(csvRows.map(f => f[iCatalogue]), est.map(e => e.provenance.catalogue_version), 'CSV catalogue version = API provenance');
  await shot(page, 'district.png');

  step = 'analyst: alert markers';
  // The latest week may have no risk alert: pick the most recent week that has one, on the overview's week picker.
  let week = alerts, monday = new Date(alerts.monday + 'T00:00:00Z');
  for (let i = 0; i < 8 && !week.alerts.some(a => !a.caveat && a.group_id && a.drug); i++) {
    monday = new Date(monday.getTime() - 7 * 86400000);
    const r = await A(`alerts?week=${isoWeek(monday)}`);
    if (r.status !== 200) break;
    week = r.json;
  }
  const riskAlert = week.alerts.find(a => !a.caveat && a.group_id && a.drug);
  if (riskAlert) {
    await page.click('[data-testid=nav-overview]');
    await rendered(page, 'overview');
    await pickWeek(page, week.week === alerts.week ? '' : week.week);
    eq(await page.$$eval('[data-testid=ranking-row]', rows => rows.map(r => r.dataset.group)), week.ranking.map(r => r.group_id), `ranking of ${week.week}`);
    await shot(page, 'overview-alerts.png'); // the README's overview: a week with a risk alert
    await page.goto(`${base}/app/#/district/${encodeURIComponent(riskAlert.group_id)}`);
    await rendered(page, 'district');
    await page.selectOption('[data-testid=drug-select]', riskAlert.drug);
    await page.waitForFunction(d => document.body.dataset.rendered === 'district' && document.querySelector('[data-testid=drug-select]').value === d, riskAlert.drug);
    const marks = await page.evaluate(() => window.wbeCharts.daily.getOption().series.find(s => s.id === 'alerts').markArea.data.length);
    const expectedMarks = week.alerts.filter(a => !a.caveat && a.group_id === riskAlert.group_id && a.drug === riskAlert.drug).length;
    eq(marks, expectedMarks, `alert periods marked on the daily chart of ${riskAlert.group_id}/${riskAlert.drug} (${week.week})`);
    log(`alert markers: ${marks} on ${riskAlert.group_id}/${riskAlert.drug}, week ${week.week}`);
    await shot(page, 'district-alert.png');
    await page.selectOption('[data-testid=drug-select]', drug); // back to the default drug and week for the next pages
    await rendered(page, 'district');
    await page.click('[data-testid=nav-overview]');
    await rendered(page, 'overview');
    await pickWeek(page, '');
  } else {
    log('alert markers: no risk alert in the last 8 weeks to check');
  }

  step = 'analyst: lab page is read-only';
  await page.click('[data-testid=nav-lab]');
  await rendered(page, 'lab');
  check(!(await page.$('[data-testid=dropzone]')), 'no upload zone for an analyst');
  check(await page.isVisible('[data-testid=lab-readonly]'), 'read-only note shown');
  eq(await page.$$eval('[data-testid=history-row]', r => r.length), (await A('batches')).json.batches.length, 'history lists every batch version');

  step = 'analyst: network';
  await page.click('[data-testid=nav-network]');
  await rendered(page, 'network');
  const net = await page.evaluate(() => {
    const out = [];
    const walk = n => { out.push({ kind: n.kind, group: n.group, value: n.value, color: n.itemStyle?.color }); (n.children || []).forEach(walk); };
    walk(window.wbeCharts.network.getOption().series[0].data[0]);
    return out;
  });
  const city = (await A('city')).json;
  eq(net.filter(n => n.kind === 'district').length, city.districts.length, 'every district is on the tree');
  eq(net.filter(n => n.kind === 'site').length, city.sites.length, 'every sampling site is on the tree');
  check(net.filter(n => n.kind === 'district').every(n => n.value != null), 'every district is coloured by an estimate');
  const unresolved = groups.filter(g => !g.resolved).map(g => g.districts.join('+'));
  for (const g of unresolved) {
    const members = net.filter(n => n.group === g);
    check(members.length > 1 && new Set(members.map(m => m.value)).size === 1, `unresolved group ${g} shown as one value`);
  }
  await shot(page, 'network.png');
}

async function languageSteps(page) {
  step = 'language: English';
  await page.click('[data-testid=nav-overview]');
  await rendered(page, 'overview');
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => document.documentElement.lang === 'en' && document.body.dataset.rendered === 'overview');
  const en = await navLabels(page);
  eq(en.map(([p, text]) => text), en.map(([p]) => MSG.en[`nav.${p}`]), 'nav labels are the en.json values');
  eq(await page.textContent('[data-testid=lang-switch]'), MSG.en['lang.switch'], 'language switch label');
  await shot(page, 'overview-en.png');

  step = 'language: back to Chinese';
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN' && document.body.dataset.rendered === 'overview');
  const zh = await navLabels(page);
  eq(zh.map(([p, text]) => text), zh.map(([p]) => MSG.zh[`nav.${p}`]), 'nav labels are the zh-CN.json values');
}

async function speedSteps(page, base, tokens) {
  step = 'speed: trends page, 30 groups x 365 days';
  const A = api(base, tokens.analyst);
  const template = (await A('series?drug=methamphetamine&period=day')).json;
  check(template.groups.length > 0, 'a real /series response to copy the shape from');

  // First the real thing: the chart holds what the server sent.
  await page.goto(`${base}/app/#/trends`);
  await rendered(page, 'trends');
  const shown = await page.evaluate(() => window.wbeCharts.trends.getOption().series.map(s => ({ id: s.id, data: s.data })));
  eq(shown.map(s => s.id).sort(), template.groups.map(g => g.group_id).sort(), 'trends chart has every group of /series');
  for (const g of template.groups) {
    const values = shown.find(s => s.id === g.group_id).data.filter(v => v !== null);
    eq(values, g.median.filter(v => v !== null), `trends chart values of ${g.group_id}`);
  }

  const body = JSON.stringify(synthSeries(template, { groups: 30, days: 365 }));
  log(`synthesised /series response: ${(body.length / 1e6).toFixed(2)} MB`);
  await page.route('**/api/v1/series**', route =>
    route.fulfill({ status: 200, contentType: 'application/json; charset=utf-8', body }));
  const runs = [], dataRuns = [];
  for (let i = 0; i < 3; i++) {
    await page.goto('about:blank');
    const t0 = Date.now();
    await page.goto(`${base}/app/#/trends`);
    await rendered(page, 'trends');
    const wall = Date.now() - t0;
    const { at, dataAt, series, points } = await page.evaluate(() => {
      const o = window.wbeCharts.trends.getOption();
      const est = performance.getEntriesByType('resource').find(r => r.name.includes('/api/v1/series'));
      return { at: window.wbeRenderedAt, dataAt: est?.responseEnd, series: o.series.length, points: o.series.map(s => s.data.length) };
    });
    eq(series, 30, 'trends chart has 30 district groups');
    check(points.every(n => n === 365), `every group has 365 days: ${points.slice(0, 3)}...`);
    runs.push(Math.round(at));
    dataRuns.push(Math.round(dataAt ?? NaN));
    log(`run ${i + 1}: rendered ${Math.round(at)} ms after navigation start, series received at ${Math.round(dataAt)} ms (test wall clock ${wall} ms)`);
  }
  await shot(page, 'trends-30x365.png');

  step = 'charts follow the window size';
  const wide = await page.evaluate(() => window.wbeCharts.trends.getWidth());
  await page.setViewportSize({ width: 900, height: 800 });
  await page.waitForFunction(w => window.wbeCharts.trends.getWidth() < w - 200, wide);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.unroute('**/api/v1/series**');
  const median = [...runs].sort((a, b) => a - b)[1];
  console.log(`trends page, 30 districts x 365 days: median ${median} ms (runs: ${runs.join(', ')})`);
  fs.writeFileSync(path.join(SHOTS, 'render-times.json'), JSON.stringify({
    page: 'trends', groups: 30, days: 365, measured: 'navigation start to body[data-rendered=trends] (performance.now())',
    runs_ms: runs, median_ms: median,
    series_received_ms: dataRuns,
    response_bytes: body.length,
    note: 'GET /api/v1/series answered by page.route with a synthesised year of 30 groups; the time includes loading the page, its scripts and ECharts, the fetch, and drawing',
  }, null, 2) + '\n');
}

async function tabletSteps(browser, base, tokens) {
  for (const [w, h, name] of [[1024, 768, 'tablet-overview.png'], [800, 1280, 'tablet-portrait-overview.png']]) {
    step = `tablet ${w}x${h}`;
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, hasTouch: true });
    try {
      const page = await ctx.newPage();
      watchErrors(page);
      await signIn(page, base, tokens.analyst, 'overview');
      const { sw, iw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
      check(sw <= iw, `no horizontal scroll: scrollWidth ${sw} > innerWidth ${iw}`);
      if (!(await page.isVisible('[data-testid=nav-trends]'))) {
        await page.click('[data-testid=nav-toggle]');
        await page.waitForSelector('[data-testid=nav-trends]', { state: 'visible' });
      }
      await shot(page, name);
      await page.click('[data-testid=nav-trends]');
      await rendered(page, 'trends');
      const cw = await page.evaluate(() => window.wbeCharts.trends.getWidth());
      check(cw <= w, `trends chart fits the tablet width (${cw} px)`);
    } finally {
      await ctx.close();
    }
  }
}

// Any uncaught error in the page fails the test.
const pageErrors = [];
function watchErrors(page) {
  page.on('pageerror', e => pageErrors.push(e.message));
  page.on('console', m => { if (m.type() === 'error' && !/status of (401|422)/.test(m.text())) pageErrors.push(m.text()); });
}

// ---------------------------------------------------------------- main
async function main() {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.rmSync(path.join(SHOTS, 'failure.png'), { force: true }); // only a failing run leaves one
  const dataDir = path.join(WORK, 'data');
  let server, browser, page;
  try {
    step = 'start server';
    log(`starting ${BIN} serve --demo (first start prepares the demo city)`);
    server = await startServer({ bin: BIN, dataDir, dashboardDir: WWW });
    log(`server at ${server.base}`);
    const tokens = Object.fromEntries(fs.readFileSync(path.join(dataDir, 'demo-tokens.txt'), 'utf8').trim().split('\n').map(l => l.trim().split(/\s+/)));
    check(tokens.lab && tokens.analyst, 'demo tokens for lab and analyst');

    step = 'launch chromium';
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await ctx.newPage();
    page.setDefaultTimeout(60000);
    watchErrors(page);

    const job = await labSteps(page, server.base, tokens, dataDir);
    await waitForJob(server.base, tokens.lab, job);
    await analystSteps(page, server.base, tokens);
    await languageSteps(page);
    await speedSteps(page, server.base, tokens);
    await tabletSteps(browser, server.base, tokens);
    step = 'page errors';
    eq(pageErrors, [], 'no errors in the page console');
    console.log('dashboard_e2e_test: PASS');
    return 0;
  } catch (e) {
    console.error(`dashboard_e2e_test: FAIL at ${step}\n${e.stack || e}`);
    if (pageErrors.length) console.error(`page errors:\n  ${pageErrors.join('\n  ')}`);
    if (page) await page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
    if (server && process.env.WBE_E2E_VERBOSE) console.error(server.log());
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
  }
}

process.exitCode = await main();
