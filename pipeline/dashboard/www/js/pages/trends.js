// One drug, every district group's daily median on one chart, so analysts compare districts.
// Reads /series (columns: about 0.5 MB for a year of 30 groups, where /estimates rows would be
// 10 MB). Also the page the E2E test times with a synthesised year x 30 groups.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, card, select, field } from '../dom.js';
import { makeChart, draw, axisName } from '../charts.js';
import { drugList, drugLabel, rememberedDrug, rememberDrug, dayRange } from '../util.js';

const hasValues = s => s.groups.some(g => g.median.some(v => v !== null));

// Consumption per 1000 inhabitants; for a drug without an excretion fraction (consumption
// null) the biomarker load normalised the same way.
async function perThousandSeries(drug) {
  const consumption = await api.request('series', { params: { drug, period: 'day' } });
  if (!consumption.groups.length || hasValues(consumption)) return { series: consumption, massOnly: false };
  const mass = await api.request('series', { params: { drug, period: 'day', measure: 'mass_mg_per_day' } });
  for (const g of mass.groups) g.median = g.median.map(v => (v === null || !g.population ? null : (v / g.population) * 1000));
  return { series: mass, massOnly: true };
}

export async function render(root, { rerender }) {
  const drugs = await drugList(api);
  const drug = rememberedDrug(drugs);
  const { series: data, massOnly } = await perThousandSeries(drug);

  const chartEl = h('div', { class: 'chart chart-tall', testid: 'trends-chart' });
  root.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, t('trends.title')), h('p', {}, t('trends.help'))),
      h('div', { class: 'toolbar' }, field(t('common.drug'),
        select(drugs.map(d => ({ value: d.id, label: drugLabel(d) })), drug, v => { rememberDrug(v); rerender(); }, { testid: 'drug-select' })))),
    card(null, chartEl));

  if (!data.dates.length) { chartEl.replaceWith(h('p', { class: 'muted' }, t('common.noData'))); return; }

  // Every calendar day on the axis, so days without an estimate show as gaps in the lines.
  const axis = dayRange(data.dates[0], data.dates[data.dates.length - 1]);
  const column = new Map(data.dates.map((d, i) => [d, i]));
  const series = data.groups.map(g => ({
    id: g.group_id, name: g.group_id, type: 'line', showSymbol: false, connectNulls: false,
    data: axis.map(d => (column.has(d) ? g.median[column.get(d)] : null)),
    lineStyle: { width: 1.5 }, emphasis: { focus: 'series' },
  }));

  const chart = makeChart(chartEl, 'trends');
  await draw(chart, {
    tooltip: { trigger: 'axis', order: 'valueDesc', confine: true, valueFormatter: v => (v == null ? '–' : v.toFixed(1)) },
    legend: { type: 'scroll', top: 0, left: 0, right: 0 },
    grid: { left: 64, right: 24, top: 64, bottom: 72 },
    xAxis: { type: 'category', data: axis, boundaryGap: false },
    yAxis: { type: 'value', ...axisName(massOnly ? t('trends.axisMass') : t('trends.axis')) },
    dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 16, height: 20 }],
    series,
  });
}
