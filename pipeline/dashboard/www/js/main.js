// Hash router: picks the page module, enforces role-based access, re-renders on language switch,
// and publishes document.body.dataset.rendered = <page> once the page's charts are drawn.
import { loadMessages, applyStatic, t, getLang } from './i18n.js';
import * as api from './api.js';
import { disposeAll } from './charts.js';
import { h } from './dom.js';

const PAGES = {
  signin: () => import('./pages/signin.js'),
  overview: () => import('./pages/overview.js'),
  trends: () => import('./pages/trends.js'),
  district: () => import('./pages/district.js'),
  network: () => import('./pages/network.js'),
  lab: () => import('./pages/lab.js'),
};

// What each role may open; the server enforces the same on the API.
const ACCESS = {
  lab: ['lab'],
  analyst: ['overview', 'trends', 'district', 'network', 'lab'],
  admin: ['overview', 'trends', 'district', 'network', 'lab'],
};

export function allowedPages() {
  const u = api.user();
  return u ? (ACCESS[u.role] || []) : [];
}

function homePage() { return allowedPages()[0] || 'signin'; }

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { page: parts[0] || '', args: parts.slice(1) };
}

export function go(page, ...args) {
  location.hash = '#/' + [page, ...args].map(encodeURIComponent).join('/');
}

function updateChrome(page) {
  const u = api.user();
  const allowed = allowedPages();
  document.querySelectorAll('#nav a').forEach(a => {
    const p = a.dataset.page;
    a.hidden = p === 'signin' ? !!u : !allowed.includes(p);
    a.classList.toggle('active', p === page);
    if (p === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  document.querySelector('[data-testid="user-info"]').textContent = u ? `${u.name} · ${t('role.' + u.role)}` : '';
  document.querySelector('[data-testid="signout"]').hidden = !u;
}

let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  let { page, args } = parseRoute();
  if (!api.user() && page !== 'signin') { go('signin'); return; }
  if (!page || !(page in PAGES)) { go(homePage()); return; }
  if (page !== 'signin' && !allowedPages().includes(page)) { go(homePage()); return; }

  document.body.dataset.rendered = '';
  document.body.dataset.page = page;
  updateChrome(page);
  document.getElementById('nav').classList.remove('open');
  disposeAll();
  const view = document.getElementById('view');
  // The page root is in the document before the page renders, so charts get their size.
  const loading = h('div', { class: 'loading', testid: 'loading' }, t('common.loading'));
  const root = h('div', { class: `page page-${page}`, testid: `page-${page}` });
  view.replaceChildren(loading, root);
  try {
    const mod = await PAGES[page]();
    await mod.render(root, { args, role: api.user()?.role, go, rerender: render, isStale: () => seq !== renderSeq });
    loading.remove();
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof api.ApiError && e.status === 401) { api.signOut(); go('signin'); return; }
    view.replaceChildren(h('div', { class: 'alert alert-error', testid: 'page-error' },
      t('common.error', { status: e.status ?? '', message: e.message })));
    console.error(e);
  }
  if (seq !== renderSeq) return;
  // performance.now() is measured from navigation start: the E2E speed test reads it.
  window.wbeRenderedAt = performance.now();
  document.body.dataset.rendered = page;
}

async function start() {
  await loadMessages(getLang());
  applyStatic();
  document.querySelector('[data-testid="signout"]').addEventListener('click', () => { api.signOut(); go('signin'); render(); });
  document.querySelector('[data-testid="lang-switch"]').addEventListener('click', async () => {
    await loadMessages(getLang() === 'zh-CN' ? 'en' : 'zh-CN');
    applyStatic();
    render();
  });
  const toggle = document.querySelector('[data-testid="nav-toggle"]');
  toggle.addEventListener('click', () => {
    const open = document.getElementById('nav').classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
  window.addEventListener('hashchange', render);
  render();
}

start();
