// Lab batches: drag-and-drop upload with the QC verdict at once (or every row/column error),
// calibration curves with accuracy residuals, and the version history of every batch.
import * as api from '../api.js';
import { t, fmt, has } from '../i18n.js';
import { h, card, table, select, field } from '../dom.js';
import { makeChart, draw, axisName, palette } from '../charts.js';

const canUpload = role => role === 'lab' || role === 'admin';
const verdictText = v => (has(`verdict.${v}`) ? t(`verdict.${v}`) : v);
const statusText = s => (has(`status.${s}`) ? t(`status.${s}`) : s);
const badge = (v, text, attrs = {}) => h('span', { class: `badge badge-${v}`, ...attrs }, text);

export async function render(root, { role }) {
  const [history, methods] = await Promise.all([api.request('batches'), canUpload(role) ? api.request('methods') : null]);
  const reportBox = h('div', { testid: 'report' });
  const historyBox = h('div', { class: 'table-wrap', testid: 'history' });
  const state = { selected: null };

  const showHistory = list => historyBox.replaceChildren(historyTable(list, state, sel => openVersion(sel)));
  const openVersion = async ({ batch_id, version }) => {
    state.selected = { batch_id, version };
    showHistory(currentHistory);
    const d = await api.request(`batches/${encodeURIComponent(batch_id)}`, { params: { version } });
    await showReport(reportBox, d.qc_report, { batch: d.batch_id, version: d.version });
    finishMarker();
  };
  let currentHistory = history.batches;
  showHistory(currentHistory);

  const head = h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('lab.title'))));
  root.append(head);
  if (canUpload(role)) {
    root.append(uploadCard(methods.methods, async (result, name) => {
      // A fresh upload: show its QC report at once, then refresh the history.
      state.selected = { batch_id: result.batch_id, version: result.version };
      await showReport(reportBox, result.qc_report, { batch: result.batch_id, version: result.version, name, already: result.already_ingested });
      currentHistory = (await api.request('batches')).batches;
      showHistory(currentHistory);
      finishMarker();
    }, reportBox));
  } else {
    root.append(h('div', { class: 'alert alert-info', testid: 'lab-readonly' }, t('lab.readOnly')));
  }
  reportBox.append(h('p', { class: 'muted' }, t('lab.pickVersion')));
  root.append(card(null, reportBox), card(t('lab.history'), historyBox));
}

// Actions after the first render also publish a marker the test can wait for.
function finishMarker() {
  document.body.dataset.labUpdate = String(Number(document.body.dataset.labUpdate || 0) + 1);
}

function uploadCard(methods, onResult, reportBox) {
  const methodSel = select(methods.map(m => ({ value: m.name, label: m.name })), methods[0]?.name, () => {}, { testid: 'method-select' });
  const status = h('div', { testid: 'upload-status' });
  const input = h('input', { type: 'file', accept: '.csv,.txt,.json,text/csv,application/json', id: 'batch-file', testid: 'file-input' });
  const zone = h('div', { class: 'dropzone', testid: 'dropzone' },
    h('span', {}, t('lab.drop'), ' '), h('label', { class: 'link', for: 'batch-file' }, t('lab.choose')), input);

  const send = async file => {
    if (!file) return;
    status.replaceChildren(h('div', { class: 'alert alert-info' }, t('lab.uploading', { name: file.name })));
    try {
      const result = await api.request('batches', {
        // The server detects the export's format from its content; the type only says text or JSON.
        method: 'POST', body: await file.arrayBuffer(), headers: { 'Content-Type': /\.json$/i.test(file.name) ? 'application/json' : 'text/csv' },
        params: { method: methodSel.value, filename: file.name },
      });
      status.replaceChildren(h('div', { class: 'alert alert-ok', testid: 'upload-ok' }, t('lab.uploaded', { name: file.name, batch: result.batch_id, version: result.version }),
        result.already_ingested ? ` — ${t('lab.alreadyIngested')}` : ''));
      await onResult(result, file.name);
    } catch (e) {
      if (!(e instanceof api.ApiError) || e.status === 401) throw e;
      status.replaceChildren(errorList(e));
      reportBox.replaceChildren(h('p', { class: 'muted' }, t('lab.pickVersion')));
      finishMarker();
    }
  };
  input.addEventListener('change', () => { send(input.files[0]); input.value = ''; });
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); send(e.dataTransfer?.files?.[0]); });

  return card(t('lab.upload'), h('div', { class: 'page' }, h('div', { class: 'toolbar' }, field(t('lab.method'), methodSel)), zone, status));
}

// Every problem the server found, one row each, as it reported them.
function errorList(e) {
  const rows = e.errors.map(x => ({ ...x, __attrs: { 'data-testid': 'upload-error-row' } }));
  return h('div', { class: 'alert alert-error', testid: 'upload-errors', 'data-status': String(e.status) },
    h('div', {}, t('lab.errorsTitle', { message: e.message })),
    rows.length ? h('div', { class: 'table-wrap' }, table([
      { label: t('lab.col.file'), cell: r => r.file ?? '' },
      { label: t('lab.col.row'), class: 'num', cell: r => h('span', { testid: 'err-row' }, r.row ?? '') },
      { label: t('lab.col.column'), cell: r => h('span', { testid: 'err-column' }, r.column ?? r.field ?? '') },
      { label: t('lab.col.message'), cell: r => h('span', { testid: 'err-message' }, r.message ?? '') },
    ], rows, { style: 'margin-top:8px;background:#fff' })) : '');
}

function historyTable(list, state, onOpen) {
  const rows = [...list].sort((a, b) => b.batch_id.localeCompare(a.batch_id) || b.version - a.version);
  const sel = state.selected;
  return table([
    { label: t('lab.col.batch'), cell: r => r.batch_id },
    { label: t('lab.col.version'), class: 'num', cell: r => String(r.version) },
    { label: t('lab.col.current'), cell: r => (r.current ? badge('new', t('lab.currentMark')) : '') },
    { label: t('lab.col.verdict'), cell: r => badge(r.verdict, verdictText(r.verdict)) },
    { label: t('lab.col.source'), cell: r => r.source_name },
    { label: t('lab.col.uploader'), cell: r => r.uploader },
    { label: t('lab.col.uploaded'), cell: r => h('span', { class: 'small' }, r.uploaded_utc) },
    { label: '', cell: r => h('button', { class: 'btn btn-small', type: 'button', testid: 'history-view', onclick: () => onOpen(r) }, t('lab.view')) },
  ], rows.map(r => ({ ...r, __attrs: {
    'data-testid': 'history-row', 'data-batch': r.batch_id, 'data-version': String(r.version),
    class: sel && sel.batch_id === r.batch_id && sel.version === r.version ? 'selected' : null,
  } })), { testid: 'history-table' });
}

async function showReport(box, report, { batch, version }) {
  const analytes = report.analytes || [];
  const pick = select(analytes.map(a => ({ value: a.analyte, label: a.analyte })), analytes[0]?.analyte, v => drawCurves(analytes.find(a => a.analyte === v), curveEl, resEl), { testid: 'analyte-select' });
  const curveEl = h('div', { class: 'chart', testid: 'chart-curve' });
  const resEl = h('div', { class: 'chart', testid: 'chart-residuals' });
  const reasons = report.reasons || [];
  box.replaceChildren(
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', testid: 'report-title' }, t('lab.reportOf', { batch, version })),
      h('div', { class: 'verdict-row' }, h('span', { class: 'muted' }, t('lab.verdict')),
        badge(report.verdict, verdictText(report.verdict), { testid: 'qc-verdict', 'data-verdict': report.verdict, class: `badge badge-large badge-${report.verdict}` }))),
    h('p', { class: 'muted small', testid: 'qc-summary' }, report.summary || ''),
    reasons.length ? h('details', {}, h('summary', { class: 'small' }, t('lab.reasons', { n: reasons.length })), h('ul', { class: 'small' }, reasons.map(r => h('li', {}, r.message)))) : '',
    h('h3', { class: 'card-title' }, t('lab.analytes')),
    h('div', { class: 'table-wrap' }, analyteTable(analytes)),
    h('div', { class: 'toolbar', style: 'margin:16px 0 8px' }, field(t('lab.pickAnalyte'), pick)),
    h('div', { class: 'grid-2' },
      h('div', {}, h('h3', { class: 'card-title' }, t('lab.curve')), curveEl),
      h('div', {}, h('h3', { class: 'card-title' }, t('lab.residuals')), resEl)));
  if (analytes.length) await drawCurves(analytes[0], curveEl, resEl);
}

function analyteTable(analytes) {
  return table([
    { label: t('lab.col.analyte'), cell: a => a.analyte },
    { label: t('lab.col.status'), cell: a => badge(a.status, statusText(a.status)) },
    { label: t('lab.col.curve'), cell: a => `${a.curve?.type ?? ''} ${a.curve?.weighting ?? ''}` },
    { label: t('lab.col.r2'), class: 'num', cell: a => fmt(a.curve?.r_squared, 5) },
    { label: t('lab.col.standards'), class: 'num', cell: a => `${a.curve?.passing ?? '–'} / ${a.curve?.standards ?? '–'}` },
    { label: t('lab.col.qc'), class: 'num', cell: a => `${a.qc?.passed ?? '–'} / ${a.qc?.total ?? '–'}` },
    { label: t('lab.col.blanks'), cell: a => (a.blanks?.accepted ? t('yes') : badge('flagged', t('no'))) },
    { label: t('lab.col.loq'), class: 'num', cell: a => fmt(a.limits?.loq_ng_per_l, 3) },
    { label: t('lab.col.samples'), class: 'num', cell: a => String(a.samples?.reported ?? '–') },
  ], analytes.map(a => ({ ...a, __attrs: { 'data-testid': 'analyte-row', 'data-analyte': a.analyte, 'data-status': a.status } })), { testid: 'analyte-table' });
}

// Response = sum c_i x^i over the standards' range, on log axes (standards span three decades).
function fitted(curve, xs) {
  const c = curve.coefficients || [];
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const out = [];
  for (let i = 0; i <= 80; i++) {
    const x = lo * (hi / lo) ** (i / 80);
    const y = c.reduce((s, ci, k) => s + ci * x ** k, 0);
    if (y > 0) out.push([x, y]);
  }
  return out;
}

async function drawCurves(a, curveEl, resEl) {
  if (!a?.curve?.points?.length) return;
  const pts = a.curve.points;
  const used = pts.filter(p => !p.excluded), excl = pts.filter(p => p.excluded);
  const xs = pts.map(p => p.nominal);
  const curve = makeChart(curveEl, 'curve');
  const res = makeChart(resEl, 'residuals');
  const logX = { type: 'log', ...axisName(t('lab.axisNominal')), nameLocation: 'middle', nameGap: 28 };
  const tol = [...pts].sort((p, q) => p.nominal - q.nominal);
  await Promise.all([
    draw(curve, {
      tooltip: { trigger: 'item' },
      legend: { top: 0 },
      grid: { left: 64, right: 20, top: 40, bottom: 48 },
      xAxis: logX,
      yAxis: { type: 'log', ...axisName(t('lab.axisResponse')) },
      series: [
        { id: 'standards', name: t('lab.standards'), type: 'scatter', data: used.map(p => [p.nominal, p.response]), color: palette[0], symbolSize: 8 },
        { id: 'excluded', name: t('lab.excluded'), type: 'scatter', data: excl.map(p => [p.nominal, p.response]), color: '#b3261e', symbol: 'emptyCircle', symbolSize: 9 },
        { id: 'fit', name: t('lab.fit'), type: 'line', data: fitted(a.curve, xs), showSymbol: false, color: palette[1] },
      ],
    }),
    draw(res, {
      tooltip: { trigger: 'item' },
      legend: { top: 0 },
      grid: { left: 56, right: 20, top: 40, bottom: 48 },
      xAxis: logX,
      yAxis: { type: 'value', scale: true, ...axisName(t('lab.axisAccuracy')) },
      series: [
        { id: 'accuracy', name: t('lab.accuracy'), type: 'scatter', data: pts.map(p => ({ value: [p.nominal, p.accuracy_percent], itemStyle: { color: p.passed ? palette[0] : '#b3261e' } })), symbolSize: 8, color: palette[0],
          markLine: { silent: true, symbol: 'none', lineStyle: { color: '#8a94a3' }, label: { show: false }, data: [{ yAxis: 100 }] } },
        { id: 'tol-upper', name: t('lab.tolUpper'), type: 'line', step: 'middle', data: tol.map(p => [p.nominal, 100 + p.tolerance_percent]), showSymbol: false, color: '#b3261e', lineStyle: { type: 'dashed', width: 1 } },
        { id: 'tol-lower', name: t('lab.tolLower'), type: 'line', step: 'middle', data: tol.map(p => [p.nominal, 100 - p.tolerance_percent]), showSymbol: false, color: '#b3261e', lineStyle: { type: 'dashed', width: 1 } },
      ],
    }),
  ]);
}
