// Small DOM helpers: h() builds elements, so pages never assemble HTML strings from data.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function table(columns, rows, attrs = {}) {
  return h('table', { class: 'table', ...attrs },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r, i) => h('tr', r.__attrs || {}, columns.map(c => h('td', { class: c.class }, c.cell(r, i)))))));
}

export function card(title, body, attrs = {}) {
  return h('section', { class: 'card', ...attrs }, title ? h('h2', { class: 'card-title' }, title) : null, body);
}

export function select(options, value, onchange, attrs = {}) {
  const s = h('select', { ...attrs, onchange: e => onchange(e.target.value) },
    options.map(o => h('option', { value: o.value, selected: o.value === value }, o.label)));
  return s;
}

export function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

export function saveBlob(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}
