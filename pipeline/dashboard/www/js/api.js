// Thin client of the wbe JSON API: bearer token from sessionStorage, errors as ApiError.
const TOKEN_KEY = 'wbe.token';
const USER_KEY = 'wbe.user';
const BASE = new URL('/api/v1/', location.origin).href; // the API lives beside /app/ on the same server

export class ApiError extends Error {
  constructor(status, message, errors = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function user() {
  try { return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
}
export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  cache.clear();
}

export function url(path, params = {}) {
  const u = new URL(path.replace(/^\//, ''), BASE);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
  return u.href;
}

async function parseError(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  const e = body?.error ?? {};
  return new ApiError(res.status, e.message || res.statusText, e.errors || []);
}

export async function request(path, { params, method = 'GET', body, headers = {}, tokenOverride } = {}) {
  const auth = tokenOverride ?? token();
  const res = await fetch(url(path, params), {
    method, body,
    headers: { Accept: 'application/json', ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...headers },
  });
  if (!res.ok) throw await parseError(res);
  return res.json();
}

// Slow-changing GETs (city, weekly report, forecasts) are shared between pages for a minute,
// so moving around does not recompute them, yet new uploads show up soon.
const TTL_MS = 60000;
const cache = new Map();
export function cached(path, params) {
  const key = url(path, params);
  const hit = cache.get(key);
  if (hit && performance.now() - hit.at < TTL_MS) return hit.promise;
  const promise = request(path, { params }).catch(e => { cache.delete(key); throw e; });
  cache.set(key, { at: performance.now(), promise });
  return promise;
}

export async function signIn(tok) {
  const who = await request('whoami', { tokenOverride: tok });
  sessionStorage.setItem(TOKEN_KEY, tok);
  sessionStorage.setItem(USER_KEY, JSON.stringify(who));
  cache.clear();
  return who;
}
