// One drug, every district group's daily median on one chart, so analysts compare districts.
// Also the page the E2E test times with a synthesised year x 30 groups.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, card, select, field } from '../dom.js';
import { makeChart, draw, axisName } from '../charts.js';
import { drugList, drugLabel, rememberedDrug, rememberDrug, perThousand, isMassOnly, dayRange } from '../util.js';

export async function render(root, { rerender }) {
  const drugs = await drugList(api);
  const drug = rememberedDrug(drugs);
  const data = await api.request('estimates', { params: { level: 'district', period: 'day', drug } });

  const chartEl = h('div', { class: 'chart chart-tall', testid: 'trends-chart' });
  root.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, t('trends.title')), h('p', {}, t('trends.help'))),
      h('div', { class: 'toolbar' }, field(t('common.drug'),
        select(drugs.map(d => ({ value: d.id, label: drugLabel(d) })), drug, v => { rememberDrug(v); rerender(); }, { testid: 'drug-select' })))),
    card(null, chartEl));

  const rows = data.estimates.filter(r => r.drug === drug);
  if (!rows.length) { chartEl.replaceWith(h('p', { class: 'muted' }, t('common.noData'))); return; }

  // Index rows by group then day once: 30 groups x 365 days must stay fast.
  const days = new Set();
  const byGroup = new Map();
  for (const r of rows) {
    days.add(r.start_date);
    if (!byGroup.has(r.group_id)) byGroup.set(r.group_id, new Map());
    byGroup.get(r.group_id).set(r.start_date, perThousand(r));
  }
  const sorted = [...days].sort();
  const axis = dayRange(sorted[0], sorted[sorted.length - 1]);
  const groups = [...byGroup.keys()];
  const series = groups.map(g => {
    const m = byGroup.get(g);
    return { id: g, name: g, type: 'line', showSymbol: false, connectNulls: false, data: axis.map(d => m.get(d) ?? null), lineStyle: { width: 1.5 }, emphasis: { focus: 'series' } };
  });

  const chart = makeChart(chartEl, 'trends');
  await draw(chart, {
    tooltip: { trigger: 'axis', order: 'valueDesc', confine: true, valueFormatter: v => (v == null ? '–' : v.toFixed(1)) },
    legend: { type: 'scroll', top: 0, left: 0, right: 0 },
    grid: { left: 64, right: 24, top: 64, bottom: 72 },
    xAxis: { type: 'category', data: axis, boundaryGap: false },
    yAxis: { type: 'value', ...axisName(isMassOnly(rows) ? t('trends.axisMass') : t('trends.axis')) },
    dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 16, height: 20 }],
    series,
  });
}
