// Every user-visible label comes from messages/<lang>.json; data from the API is shown as is.
const LANGS = ['zh-CN', 'en'];
const STORE_KEY = 'wbe.lang';
let lang = LANGS.includes(localStorage.getItem(STORE_KEY)) ? localStorage.getItem(STORE_KEY) : 'zh-CN';
let messages = {};

export const languages = LANGS;
export function getLang() { return lang; }
export function isZh() { return lang === 'zh-CN'; }

export async function loadMessages(next = lang) {
  const res = await fetch(`messages/${next}.json`, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`messages/${next}.json: HTTP ${res.status}`);
  messages = await res.json();
  lang = next;
  localStorage.setItem(STORE_KEY, lang);
  document.documentElement.lang = lang;
  document.title = t('app.title');
}

// t('key', {name: 'x'}) replaces {name}; an unknown key shows itself so gaps are visible.
export function t(key, params = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

export function has(key) { return key in messages; }

// Static markup carries data-i18n="key" (text) or data-i18n-title / data-i18n-placeholder.
export function applyStatic(root = document) {
  root.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-title]').forEach(el => { el.title = t(el.dataset.i18nTitle); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
}

// Numbers and dates follow the language too.
export function fmt(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return Number(x).toLocaleString(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
