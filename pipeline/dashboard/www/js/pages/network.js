// The sewer tree from the plant inlet up to the districts' outlets, with sampling sites;
// districts coloured by this week's estimate (a district that cannot be separated takes its group's value).
import * as api from '../api.js';
import { t, fmt } from '../i18n.js';
import { h, card, select, field } from '../dom.js';
import { makeChart, draw } from '../charts.js';
import { drugList, drugLabel, rememberedDrug, rememberDrug, perThousand, isMassOnly, weekAlerts } from '../util.js';

// Same stops as .legend-bar .ramp in app.css.
const RAMP = [[0xe8, 0xf0, 0xd8], [0xf4, 0xc9, 0x5d], [0xe0, 0x68, 0x3a], [0x9e, 0x1f, 0x2e]];
function rampColor(f) {
  const x = Math.max(0, Math.min(1, f)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const a = RAMP[i], b = RAMP[i + 1], u = x - i;
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * u)).join(',')})`;
}

export async function render(root, { rerender }) {
  const [drugs, city, alerts] = await Promise.all([drugList(api), api.cached('city'), weekAlerts(api)]);
  const drug = rememberedDrug(drugs);
  const est = await api.request('estimates', { params: { level: 'district', period: 'week', drug, from: alerts.monday, to: alerts.sunday } });
  const rows = est.estimates.filter(r => r.drug === drug && r.start_date === alerts.monday);
  const massOnly = isMassOnly(rows);

  // district id -> {group, value}; unresolved districts share their group's row.
  const byDistrict = new Map();
  for (const r of rows) for (const d of r.districts) byDistrict.set(d, { group: r.group_id, resolved: r.resolved, value: perThousand(r) });
  const values = rows.map(r => perThousand(r)).filter(v => v != null);
  const lo = Math.min(...values), hi = Math.max(...values);
  const scale = v => (v == null ? '#c9d0d9' : rampColor(hi > lo ? (v - lo) / (hi - lo) : 0.5));

  const sitesAt = new Map(city.sites.map(s => [s.node, s]));
  const districtAt = new Map(city.districts.map(d => [d.outlet_node, d]));
  const children = new Map();
  const hasParent = new Set();
  for (const e of city.network.edges) {
    if (!children.has(e.to)) children.set(e.to, []);
    children.get(e.to).push(e);
    hasParent.add(e.from);
  }
  const rootId = city.network.nodes.map(n => n.id).find(id => !hasParent.has(id));

  const build = (id, via) => {
    const site = sitesAt.get(id), dist = districtAt.get(id);
    const node = { name: id, id, value: null, children: (children.get(id) || []).map(e => build(e.from, e)) };
    if (via?.sewer_type === 'rising_main') node.lineStyle = { type: 'dashed' };
    if (dist) {
      const est = byDistrict.get(dist.id);
      node.name = est && !est.resolved ? `${dist.name} · ${t('network.groupOf', { group: est.group })}` : dist.name;
      node.value = est?.value ?? null;
      node.kind = 'district'; node.group = est?.group ?? dist.id; node.district = dist.id;
      node.symbol = 'circle'; node.symbolSize = 22;
      node.itemStyle = { color: scale(node.value), borderColor: '#5b6675', borderWidth: 1 };
    } else if (site) {
      node.name = `${site.id}`;
      node.kind = 'site'; node.site = site.id; node.siteName = site.name;
      node.symbol = 'roundRect'; node.symbolSize = [16, 16];
      node.itemStyle = { color: '#2f6fb3', borderColor: '#1d4f86' };
      node.label = { position: 'top', fontWeight: 600 };
    } else {
      node.kind = 'junction'; node.symbolSize = 8;
      node.itemStyle = { color: '#9aa7b8', borderColor: '#9aa7b8' };
      node.label = { position: 'top', color: '#5b6675' };
    }
    return node;
  };
  const tree = build(rootId);

  const chartEl = h('div', { class: 'chart chart-tall', testid: 'network-chart' });
  const unit = t(massOnly ? 'network.unitMass' : 'network.unit', { week: alerts.week });
  root.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, t('network.title')), h('p', {}, t('network.help'))),
      h('div', { class: 'toolbar' }, field(t('common.drug'),
        select(drugs.map(d => ({ value: d.id, label: drugLabel(d) })), drug, v => { rememberDrug(v); rerender(); }, { testid: 'drug-select' })))),
    card(null, h('div', {},
      h('div', { class: 'card-head' },
        h('div', { class: 'legend-bar', testid: 'network-legend' },
          h('span', {}, values.length ? fmt(lo, 1) : '–'), h('span', { class: 'ramp' }), h('span', {}, values.length ? fmt(hi, 1) : '–'), h('span', {}, unit)),
        h('div', { class: 'legend-bar' },
          h('span', { class: 'badge', style: 'background:#2f6fb3;color:#fff' }, t('network.site')),
          h('span', { class: 'badge', style: 'background:#f4c95d;color:#1f2733' }, t('network.district')),
          h('span', { class: 'badge' }, t('network.junction')))),
      chartEl)));

  const chart = makeChart(chartEl, 'network');
  await draw(chart, {
    tooltip: {
      trigger: 'item', confine: true,
      formatter: p => {
        const d = p.data;
        if (d.kind === 'district') return `${d.name}<br>${d.value == null ? t('network.noEstimate') : t('network.value', { value: fmt(d.value, 1) })}`;
        if (d.kind === 'site') return `${t('network.site')} ${d.site}<br>${d.siteName}`;
        return `${t('network.junction')} ${d.id}`;
      },
    },
    series: [{
      type: 'tree', id: 'network', data: [tree], orient: 'RL', top: 24, bottom: 24, left: 200, right: 120,
      initialTreeDepth: -1, expandAndCollapse: false, roam: true,
      lineStyle: { color: '#9aa7b8', width: 1.5, curveness: 0.4 },
      label: { position: 'left', distance: 8, fontSize: 12, color: '#1f2733',
        formatter: p => (p.data.kind === 'district' && p.data.value != null ? `${p.data.name}\n${fmt(p.data.value, 1)}` : p.data.name) },
      leaves: { label: { position: 'left' } },
    }],
  });
}
