// ECharts helpers: one registry per page (window.wbeCharts, read by the E2E test),
// resize on window resize, and a promise that resolves when every chart has rendered.
/* global echarts */
import { getLang } from './i18n.js';

export const palette = ['#2f6fb3', '#d9822b', '#3a9a5b', '#b8434d', '#7b61a8', '#8c6d3f', '#d16ba5', '#6b7785', '#a4a82f', '#27a3b5'];

let charts = {};
window.wbeCharts = charts;

export function disposeAll() {
  for (const c of Object.values(charts)) c.dispose();
  charts = {};
  window.wbeCharts = charts;
}

export function makeChart(el, name) {
  if (charts[name]) charts[name].dispose();
  const c = echarts.init(el, null, { renderer: 'canvas', locale: getLang() === 'en' ? 'EN' : 'ZH' });
  charts[name] = c;
  return c;
}

// Resolves after the chart's next 'finished' event (set the option after calling this).
export function whenFinished(chart) {
  return new Promise(resolve => {
    const done = () => { chart.off('finished', done); resolve(); };
    chart.on('finished', done);
  });
}

// Set an option and wait for it to be drawn: the page's rendered marker depends on this.
export async function draw(chart, option) {
  const p = whenFinished(chart);
  // aria: ECharts writes a text description of each chart (in the chart's locale) for screen readers.
  chart.setOption({ animation: false, aria: { enabled: true }, textStyle: { fontFamily: 'inherit' }, color: palette, ...option }, true);
  await p;
}

let pending = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => Object.values(charts).forEach(c => c.resize()));
});

export function axisName(text) {
  return { name: text, nameLocation: 'end', nameGap: 14, nameTextStyle: { color: '#5b6675', align: 'left' } };
}

// 90 % band as two stacked lines: the lower bound (invisible) plus the width, filled.
export function bandSeries(id, name, lower, upper, color, extra = {}) {
  const width = lower.map((lo, i) => (lo == null || upper[i] == null ? null : upper[i] - lo));
  return [
    { id: `${id}-lower`, name, type: 'line', data: lower, stack: id, color, symbol: 'none', lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true, ...extra },
    { id, name, type: 'line', data: width, stack: id, color, symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color, opacity: 0.25 }, tooltip: { show: false }, silent: true, ...extra },
  ];
}
