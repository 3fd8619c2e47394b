// One district group, one drug: daily and weekly estimates with 90 % bands, the forecast fan,
// alerts and data gaps, estimated vs registered users; CSV and PNG export.
import * as api from '../api.js';
import { t, fmt } from '../i18n.js';
import { h, card, select, field, saveBlob } from '../dom.js';
import { makeChart, draw, axisName, bandSeries, palette } from '../charts.js';
import { drugList, drugLabel, rememberedDrug, rememberDrug, perThousand, isMassOnly, dayRange, weekAlerts } from '../util.js';

const groupId = g => g.districts.join('+');

async function optional(promise) {
  try { return await promise; } catch (e) { if (e instanceof api.ApiError && e.status !== 401) return null; throw e; }
}

export async function render(root, { args, go, rerender }) {
  const [drugs, alerts, city] = await Promise.all([drugList(api), optional(weekAlerts(api)), api.cached('city')]);
  const drug = rememberedDrug(drugs);
  const first = await api.request('estimates', { params: { level: 'district', period: 'week', drug, from: alerts?.monday, to: alerts?.sunday } });
  const groups = first.groups.map(groupId);
  const group = groups.includes(args[0]) ? args[0] : (alerts?.ranking?.[0]?.group_id ?? groups[0]);
  if (group !== args[0]) { go('district', group); return; }
  const info = first.groups.find(g => groupId(g) === group);

  // The API filters by district; the group's rows are those with its group id.
  const params = { level: 'district', drug, district: info.districts[0] };
  const [day, week, fc] = await Promise.all([
    api.request('estimates', { params: { ...params, period: 'day' } }),
    api.request('estimates', { params: { ...params, period: 'week' } }),
    optional(api.cached('forecasts', { group, drug, week: alerts?.week })),
  ]);
  const daily = day.estimates.filter(r => r.group_id === group).sort((a, b) => a.start_date.localeCompare(b.start_date));
  const weekly = week.estimates.filter(r => r.group_id === group).sort((a, b) => a.start_date.localeCompare(b.start_date));
  const series = fc?.series?.find(s => s.group_id === group && s.drug === drug) ?? null;
  const massOnly = isMassOnly(daily);

  const districtNames = city.districts.filter(d => info.districts.includes(d.id));
  const registered = districtNames.reduce((s, d) => s + (d.registered_users ?? 0), 0);
  const population = daily[0]?.population ?? districtNames.reduce((s, d) => s + (d.population ?? 0), 0);

  const days = daily.length ? dayRange(daily[0].start_date, daily[daily.length - 1].start_date) : [];
  const byDay = new Map(daily.map(r => [r.start_date, r]));
  const gaps = days.filter(d => !byDay.has(d) || perThousand(byDay.get(d)) == null);

  // Header and controls
  const el = { daily: h('div', { class: 'chart', testid: 'chart-daily' }), weekly: h('div', { class: 'chart', testid: 'chart-weekly' }), users: h('div', { class: 'chart chart-short', testid: 'chart-users' }) };
  const title = info.resolved ? t('district.title', { group }) : t('common.unresolvedGroup', { group: t('district.title', { group }) });
  root.append(h('div', { class: 'page-head' },
    h('div', {},
      h('h1', { testid: 'district-title' }, title),
      h('p', {}, districtNames.map(d => d.name).join('、'), ' · ', t('district.population', { n: fmt(population, 0) }),
        alerts ? [' · ', t('common.reportWeek', { week: alerts.week })] : '',
        ' · ', h('span', { testid: 'gap-count' }, gaps.length ? t('district.gaps', { n: gaps.length }) : t('district.noGaps')),
        series?.trend_probability != null ? [' · ', t('district.trendProb', { p: fmt(series.trend_probability * 100, 0) })] : '')),
    h('div', { class: 'toolbar' },
      field(t('district.pick'), select(groups.map(g => ({ value: g, label: g })), group, v => go('district', v), { testid: 'group-select' })),
      field(t('common.drug'), select(drugs.map(d => ({ value: d.id, label: drugLabel(d) })), drug, v => { rememberDrug(v); rerender(); }, { testid: 'drug-select' })),
      h('button', { class: 'btn', type: 'button', testid: 'export-csv', onclick: () => exportCsv(group, drug, days, byDay, massOnly) }, t('district.exportCsv')),
      h('button', { class: 'btn', type: 'button', testid: 'export-png', onclick: () => exportPng(group, drug) }, t('district.exportPng')))),
  massOnly ? h('div', { class: 'alert alert-info' }, t('district.massNote')) : '',
  card(t('district.daily'), el.daily),
  h('div', { class: 'grid-2' }, card(t('district.weekly'), el.weekly), card(t('district.users'), el.users)));

  const groupAlerts = (alerts?.alerts ?? []).filter(a => a.group_id === group && (!a.drug || a.drug === drug) && !a.caveat);
  const flags = (day.flags ?? []).filter(f => f.drug === drug && info.sites.includes(f.site_id));
  await Promise.all([
    drawDaily(el.daily, days, byDay, gaps, groupAlerts, flags, massOnly),
    drawWeekly(el.weekly, weekly, series, massOnly, alerts?.monday),
    drawUsers(el.users, weekly, registered),
  ]);
}

function markAreaFor(ranges, color, label) {
  return ranges.map(([a, b, name]) => [{ xAxis: a, name: name ?? label, itemStyle: { color } }, { xAxis: b }]);
}

// Consecutive gap days become one shaded range.
function runs(daysList, all) {
  const idx = new Map(all.map((d, i) => [d, i]));
  const out = [];
  for (const d of daysList) {
    const last = out[out.length - 1];
    if (last && idx.get(d) === idx.get(last[1]) + 1) last[1] = d; else out.push([d, d]);
  }
  return out;
}

async function drawDaily(el, days, byDay, gaps, alerts, flags, massOnly) {
  const chart = makeChart(el, 'daily');
  const val = q => days.map(d => (byDay.has(d) ? perThousand(byDay.get(d), q) : null));
  const median = val('median');
  const alertRanges = alerts.map(a => [a.first_day < days[0] ? days[0] : a.first_day, a.last_day > days[days.length - 1] ? days[days.length - 1] : a.last_day, t('district.alert')]);
  const flagPoints = flags.filter(f => byDay.has(f.date)).map(f => ({ name: f.kind, coord: [f.date, perThousand(byDay.get(f.date))], value: f.kind }));
  await draw(chart, {
    tooltip: { trigger: 'axis', valueFormatter: v => (v == null ? '–' : v.toFixed(1)) },
    legend: { top: 0, data: [t('district.median'), t('district.band'), t('district.alert'), t('district.gap')] },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'category', data: days, boundaryGap: false },
    yAxis: { type: 'value', ...axisName(massOnly ? t('district.axisDailyMass') : t('district.axisDaily')) },
    dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 12, height: 18 }],
    series: [
      ...bandSeries('band', t('district.band'), val('p05'), val('p95'), palette[0]),
      {
        id: 'median', name: t('district.median'), type: 'line', data: median, showSymbol: false, connectNulls: false, lineStyle: { width: 2 }, color: palette[0],
        markPoint: flagPoints.length ? { symbol: 'pin', symbolSize: 28, itemStyle: { color: '#8a5a00' }, label: { show: false }, data: flagPoints } : undefined,
      },
      // Alerts and gaps as their own (empty) series so the legend explains the shading.
      { id: 'alerts', name: t('district.alert'), type: 'line', data: [], color: '#b3261e', markArea: { silent: true, data: markAreaFor(alertRanges, 'rgba(179,38,30,0.10)') } },
      { id: 'gaps', name: t('district.gap'), type: 'line', data: [], color: '#8a94a3', markArea: { silent: true, data: markAreaFor(runs(gaps, days), 'rgba(120,130,145,0.22)', t('district.gap')) } },
    ],
  });
}

async function drawWeekly(el, weekly, series, massOnly, reportMonday) {
  const chart = makeChart(el, 'weekly');
  // The forecast is in mg/day of consumption, or of biomarker mass when the drug has no excretion fraction.
  const useMass = massOnly || series?.quantity === 'mass';
  const v = (r, q) => (useMass ? r.mass_mg_per_day?.[q] : r.consumption_mg_per_day?.[q]) ?? null;
  const fcast = series?.forecast ?? [];
  const hist = weekly.map(r => r.start_date);
  const axis = [...hist, ...fcast.map(f => f.monday).filter(m => !hist.includes(m))];
  const pad = (arr, before) => [...Array(before).fill(null), ...arr];
  const histMedian = weekly.map(r => v(r, 'median'));
  const at = m => axis.indexOf(m);
  const fc = q => { const out = Array(axis.length).fill(null); fcast.forEach(f => { out[at(f.monday)] = f[q] ?? null; }); return out; };
  // The forecast line starts at the last observed week so it reads as a continuation.
  const fcMedian = fc('median');
  const from = hist.includes(reportMonday) ? hist.indexOf(reportMonday) : hist.length - 1;
  if (from >= 0 && fcast.length) fcMedian[from] = histMedian[from];
  const fan = (id, name, lo, hi, opacity) => bandSeries(id, name, fc(lo), fc(hi), palette[1]).map(s => ({ ...s, itemStyle: { opacity: opacity * 2 }, areaStyle: s.areaStyle ? { color: palette[1], opacity } : undefined }));
  await draw(chart, {
    tooltip: { trigger: 'axis', valueFormatter: x => (x == null ? '–' : Math.round(x).toString()) },
    legend: { top: 0, itemWidth: 18, itemHeight: 10, textStyle: { fontSize: 11 } },
    grid: { left: 64, right: 20, top: 80, bottom: 40 },
    xAxis: { type: 'category', data: axis, boundaryGap: false },
    yAxis: { type: 'value', ...axisName(t('district.axisWeekly')) },
    series: [
      ...bandSeries('week-band', t('district.band'), pad(weekly.map(r => v(r, 'p05')), 0), weekly.map(r => v(r, 'p95')), palette[0]),
      { id: 'week-median', name: t('district.median'), type: 'line', data: histMedian, color: palette[0], symbolSize: 5 },
      ...fan('fan95', t('district.fan95'), 'p025', 'p975', 0.15),
      ...fan('fan80', t('district.fan80'), 'p10', 'p90', 0.2),
      ...fan('fan50', t('district.fan50'), 'p25', 'p75', 0.3),
      { id: 'forecast', name: t('district.forecast'), type: 'line', data: fcMedian, color: palette[1], lineStyle: { type: 'dashed', width: 2 }, symbolSize: 5 },
    ],
  });
}

async function drawUsers(el, weekly, registered) {
  const hasUsers = weekly.some(r => r.users?.median != null);
  if (!hasUsers) { el.replaceWith(h('p', { class: 'muted', testid: 'no-users' }, t('district.noUsers'))); return; }
  const chart = makeChart(el, 'users');
  const axis = weekly.map(r => r.start_date);
  await draw(chart, {
    tooltip: { trigger: 'axis', valueFormatter: x => (x == null ? '–' : Math.round(x).toString()) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 56, right: 20, top: 56, bottom: 40 },
    xAxis: { type: 'category', data: axis },
    yAxis: { type: 'value', ...axisName(t('district.axisUsers')) },
    series: [
      ...bandSeries('users-band', t('district.usersBand'), weekly.map(r => r.users?.p05 ?? null), weekly.map(r => r.users?.p95 ?? null), palette[2]),
      { id: 'users-median', name: t('district.usersMedian'), type: 'line', data: weekly.map(r => r.users?.median ?? null), color: palette[2], symbolSize: 5 },
      { id: 'registered', name: t('district.registered'), type: 'bar', data: axis.map(() => registered), color: '#9aa7b8', barMaxWidth: 14, itemStyle: { opacity: 0.6 } },
    ],
  });
}

function csvCell(x) {
  const s = x == null ? '' : String(x);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The CSV holds exactly what the daily chart shows (gap days as empty cells).
function exportCsv(group, drug, days, byDay, massOnly) {
  const unit = t(massOnly ? 'csv.unitMass' : 'csv.unitConsumption'); // same text in every language: a data file
  const head = ['csv.date', 'csv.group', 'csv.drug', 'csv.median', 'csv.p05', 'csv.p95', 'csv.unit',
    'csv.batchIds', 'csv.catalogue', 'csv.draws', 'csv.seed'].map(k => t(k));
  const lines = [head.join(',')];
  for (const d of days) {
    const r = byDay.get(d);
    // Every estimate leaves with its provenance: the lab batches and the parameters behind it.
    const p = r?.provenance ?? {};
    lines.push([d, group, drug, r ? perThousand(r, 'median') : null, r ? perThousand(r, 'p05') : null, r ? perThousand(r, 'p95') : null, unit,
      r ? String(p.batch_ids ?? '').split(',').filter(Boolean).join(' ') : null, r ? p.catalogue_version : null, r ? p.draws : null, r ? p.seed : null].map(csvCell).join(','));
  }
  saveBlob(new Blob([lines.join('\n') + '\n'], { type: 'text/csv;charset=utf-8' }), `wbe-${group}-${drug}-daily.csv`);
}

function exportPng(group, drug) {
  const url = window.wbeCharts.daily.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
  const a = h('a', { href: url, download: `wbe-${group}-${drug}-daily.png` });
  document.body.append(a); a.click(); a.remove();
}
