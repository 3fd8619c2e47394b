// This week's screening: summary tiles, the risk ranking of district groups with reasons,
// and the alert list. Texts per language come from the API (reasons_zh / reasons_en ...).
import * as api from '../api.js';
import { t, isZh, fmt, has } from '../i18n.js';
import { h, card, table, field } from '../dom.js';
import { weekAlerts, setReportWeek } from '../util.js';

function pick(obj, base) { return isZh() ? obj[`${base}_zh`] : obj[`${base}_en`]; }
function kindLabel(kind) { return has(`kind.${kind}`) ? t(`kind.${kind}`) : kind; }

export async function render(root, { rerender }) {
  const report = await weekAlerts(api);

  const weekInput = h('input', { type: 'week', value: report.week, testid: 'week-picker' });
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('h1', {}, t('overview.title')),
      h('p', { testid: 'overview-week' }, t('overview.week', { week: report.week, monday: report.monday, sunday: report.sunday }))),
    h('form', {
      class: 'toolbar',
      onsubmit: e => { e.preventDefault(); setReportWeek(weekInput.value); rerender(); },
    }, field(t('overview.weekPicker'), weekInput), h('button', { class: 'btn', type: 'submit', testid: 'week-apply' }, t('common.apply'))));

  const s = report.summary || {};
  const tiles = h('div', { class: 'tiles', testid: 'summary' },
    ['risk_alerts', 'raised_this_week', 'series_screened', 'caveats'].map(k =>
      h('div', { class: `tile ${k === 'risk_alerts' && s[k] > 0 ? 'tile-alert' : ''}` },
        h('div', { class: 'tile-value', testid: `summary-${k}` }, fmt(s[k] ?? 0, 0)),
        h('div', { class: 'tile-label' }, t(`summary.${k}`)))));

  const ranking = table([
    { label: t('overview.col.rank'), class: 'num narrow', cell: r => String(r.rank) },
    { label: t('overview.col.group'), cell: r => h('a', { href: `#/district/${encodeURIComponent(r.group_id)}`, testid: 'ranking-group' }, r.group_id) },
    { label: t('overview.col.score'), class: 'num', cell: r => h('span', {}, h('span', { class: 'scorebar' }, h('span', { style: `width:${Math.round(Math.min(1, r.score) * 100)}%` })), fmt(r.score, 2)) },
    { label: t('overview.col.reasons'), cell: r => {
      const reasons = pick(r, 'reasons') || [];
      return reasons.length ? h('ul', {}, reasons.map(x => h('li', {}, x))) : h('span', { class: 'muted' }, t('overview.noReason'));
    } },
    { label: t('overview.col.caveats'), cell: r => {
      const c = pick(r, 'caveats') || [];
      return c.length ? h('details', {}, h('summary', { class: 'muted' }, String(c.length)), h('ul', { class: 'small' }, c.map(x => h('li', {}, x)))) : '';
    } },
  ], report.ranking.map(r => ({ ...r, __attrs: { 'data-testid': 'ranking-row', 'data-group': r.group_id } })), { testid: 'ranking-table' });

  const alerts = report.alerts.length ? table([
    { label: t('overview.col.kind'), cell: a => h('span', {}, kindLabel(a.kind), ' ', a.caveat ? h('span', { class: 'badge' }, t('overview.caveatBadge')) : '', a.raised_this_week ? h('span', { class: 'badge badge-new' }, t('overview.newBadge')) : '') },
    { label: t('overview.col.group'), cell: a => a.group_id ? h('a', { href: `#/district/${encodeURIComponent(a.group_id)}` }, a.group_id) : (a.site_id || a.district_ids) },
    { label: t('overview.col.drug'), cell: a => (isZh() ? a.drug_zh : '') || a.drug || '–' },
    { label: t('overview.col.severity'), class: 'num', cell: a => fmt(a.severity, 2) },
    { label: t('overview.col.period'), cell: a => h('span', { class: 'small' }, `${a.first_day} – ${a.last_day}`) },
    { label: t('overview.col.message'), cell: a => pick(a, 'reason') },
  ], [...report.alerts].sort((a, b) => (a.caveat - b.caveat) || (b.severity - a.severity)).map(a => ({ ...a, __attrs: { 'data-testid': 'alert-row' } })), { testid: 'alerts-table' })
    : h('p', { class: 'muted' }, t('overview.noAlerts'));

  root.append(head, tiles,
    card(t('overview.ranking'), h('div', { class: 'table-wrap' }, ranking)),
    card(t('overview.alerts'), h('div', { class: 'table-wrap' }, alerts)));
}
