// A synthetic year of daily district estimates for many groups, in the shape of
// GET /api/v1/series, built around one real response so the page sees the fields it reads.
export function synthSeries(template, { groups = 30, days = 365, lastDay = '2026-11-22' } = {}) {
  const end = new Date(lastDay + 'T00:00:00Z');
  const dates = [];
  for (let i = days - 1; i >= 0; i--) dates.push(new Date(end.getTime() - i * 86400000).toISOString().slice(0, 10));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const first = template.groups[0];
  return {
    ...template,
    dates,
    groups: Array.from({ length: groups }, (_, g) => {
      const id = `S${String(g + 1).padStart(2, '0')}`;
      const base = 40 + 4 * g;
      const median = dates.map((d, i) => base * (1 + 0.25 * Math.sin((i + g * 11) / 29) + 0.15 * (rand() - 0.5)));
      return {
        ...first, group_id: id, districts: [id], resolved: true,
        median, p05: median.map(v => v * 0.7), p95: median.map(v => v * 1.4),
      };
    }),
  };
}
