// Paste a token, check it with whoami, keep it for this tab only.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, card } from '../dom.js';

export async function render(root, { go }) {
  const u = api.user();
  const status = h('div', { testid: 'signin-status' });
  const input = h('textarea', { testid: 'token-input', autocomplete: 'off', spellcheck: 'false', 'aria-label': t('signin.token') });
  const form = h('form', {
    onsubmit: async e => {
      e.preventDefault();
      const tok = input.value.trim();
      if (!tok) { status.replaceChildren(h('div', { class: 'alert alert-error' }, t('signin.empty'))); return; }
      try {
        const who = await api.signIn(tok);
        status.replaceChildren(h('div', { class: 'alert alert-ok' }, t('signin.signedInAs', { name: who.name, role: t('role.' + who.role) })));
        go(who.role === 'lab' ? 'lab' : 'overview');
      } catch (err) {
        status.replaceChildren(h('div', { class: 'alert alert-error', testid: 'signin-error' }, t('signin.invalid', { status: err.status ?? '?' })));
      }
    },
  },
  h('p', { class: 'muted' }, t('signin.help')),
  h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('signin.token')), input),
  h('div', {}, h('button', { class: 'btn btn-primary', type: 'submit', testid: 'signin-submit' }, t('signin.submit'))));

  if (u) status.append(h('div', { class: 'alert alert-info' }, t('signin.signedInAs', { name: u.name, role: t('role.' + u.role) })));
  root.append(h('div', { class: 'signin' }, card(t('signin.title'), h('div', {}, form, status))));
}
