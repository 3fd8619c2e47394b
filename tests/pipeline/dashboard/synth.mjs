// A synthetic year of daily district estimates for many groups, in the API's JSON shape,
// built from one real row so the page sees exactly the fields it reads.
export function synthEstimates(template, { groups = 30, days = 365, drug = template.drug, lastDay = '2026-11-22' } = {}) {
  const end = new Date(lastDay + 'T00:00:00Z');
  const dates = [];
  for (let i = days - 1; i >= 0; i--) dates.push(new Date(end.getTime() - i * 86400000).toISOString().slice(0, 10));
  const ids = Array.from({ length: groups }, (_, g) => `S${String(g + 1).padStart(2, '0')}`);
  const estimates = [];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  ids.forEach((id, g) => {
    const base = 40 + 4 * g;
    dates.forEach((d, i) => {
      const m = base * (1 + 0.25 * Math.sin((i + g * 11) / 29) + 0.15 * (rand() - 0.5));
      const q = v => ({ point: v, median: v, p05: v * 0.7, p95: v * 1.4 });
      estimates.push({
        ...template, group_id: id, districts: [id], resolved: true, drug, biomarker: drug, start_date: d, days: 1,
        consumption_mg_per_day_per_1000: q(m),
        consumption_mg_per_day: q(m * template.population / 1000),
        users: q(m * 2),
      });
    });
  });
  return {
    level: 'district', period: 'day', flags: [],
    groups: ids.map(id => ({ districts: [id], resolved: true, sites: ['WWTP-IN'], unobserved: false })),
    estimates,
  };
}
