// Shared data helpers for the estimate pages.
import { isZh } from './i18n.js';

// The drugs the store has district estimates for, with their Chinese names (from /drugs,
// which is cheap: the weekly report behind /forecasts takes seconds after every new snapshot).
export async function drugList(api) {
  const { drugs } = await api.cached('drugs');
  const estimated = drugs.filter(d => d.district_estimates);
  return (estimated.length ? estimated : drugs)
    .map(d => ({ id: d.name, zh: d.name_zh }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function drugLabel(drug) {
  return isZh() && drug.zh ? `${drug.zh} (${drug.id})` : drug.id;
}

export const DEFAULT_DRUG = 'methamphetamine';
const DRUG_KEY = 'wbe.drug';
export function rememberedDrug(drugs) {
  const d = sessionStorage.getItem(DRUG_KEY);
  if (drugs.some(x => x.id === d)) return d;
  return drugs.some(x => x.id === DEFAULT_DRUG) ? DEFAULT_DRUG : drugs[0]?.id;
}
export function rememberDrug(id) { sessionStorage.setItem(DRUG_KEY, id); }

// Consumption per 1000 inhabitants when the drug has an excretion fraction; otherwise the
// biomarker load normalised the same way (the API reports consumption as null then).
export function perThousand(row, q = 'median') {
  const c = row.consumption_mg_per_day_per_1000?.[q];
  if (c !== undefined && c !== null) return c;
  const m = row.mass_mg_per_day?.[q];
  return m === undefined || m === null || !row.population ? null : (m / row.population) * 1000;
}
export function isMassOnly(rows) {
  return rows.length > 0 && rows.every(r => r.consumption_mg_per_day_per_1000?.median == null);
}

// Every day from first to last (inclusive), as YYYY-MM-DD; days without rows are the data gaps.
export function dayRange(first, last) {
  const out = [];
  for (let d = new Date(first + 'T00:00:00Z'); d <= new Date(last + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
}

export function round(x, digits = 3) {
  if (x === null || x === undefined) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// The report week picked on the overview (empty: the latest); district and network pages follow it.
const WEEK_KEY = 'wbe.week';
export function reportWeek() { return sessionStorage.getItem(WEEK_KEY) || ''; }
export function setReportWeek(w) { if (w) sessionStorage.setItem(WEEK_KEY, w); else sessionStorage.removeItem(WEEK_KEY); }
export async function weekAlerts(api) {
  const week = reportWeek();
  try {
    return await api.cached('alerts', { week });
  } catch (e) {
    if (!week || e.status !== 422) throw e;
    setReportWeek(''); // a week with no report: fall back to the latest
    return api.cached('alerts');
  }
}
