// The dashboard's message files: zh-CN and en have the same keys, no empty text, the same
// {placeholders} per key, and every key the pages name literally (t('...') in js/, data-i18n*
// in index.html) exists. Keys built at run time (t(`kind.${kind}`)) are checked by prefix.
import fs from 'node:fs';
import path from 'node:path';

const www = process.argv[2] || path.join(path.dirname(new URL(import.meta.url).pathname), '../../../pipeline/dashboard/www');
const problems = [];
const load = lang => JSON.parse(fs.readFileSync(path.join(www, 'messages', `${lang}.json`), 'utf8'));
const zh = load('zh-CN');
const en = load('en');

const placeholders = text => [...text.matchAll(/\{(\w+)\}/g)].map(m => m[1]).sort().join(',');
for (const [name, mine, other] of [['zh-CN', zh, en], ['en', en, zh]]) {
  for (const key of Object.keys(mine)) {
    if (!(key in other)) problems.push(`${key}: in ${name}.json only`);
    if (typeof mine[key] !== 'string' || mine[key].trim() === '') problems.push(`${key}: empty in ${name}.json`);
  }
}
for (const key of Object.keys(zh)) {
  if (key in en && placeholders(zh[key]) !== placeholders(en[key])) {
    problems.push(`${key}: placeholders {${placeholders(zh[key])}} in zh-CN but {${placeholders(en[key])}} in en`);
  }
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
const used = new Map();  // key -> where
const prefixes = new Map();
for (const file of filesUnder(path.join(www, 'js')).filter(f => f.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');  // not comments
  for (const m of text.matchAll(/\bt\('([^']+)'/g)) used.set(m[1], path.relative(www, file));
  for (const m of text.matchAll(/\bt\(`([\w.]+)\$\{/g)) prefixes.set(m[1], path.relative(www, file));
}
const html = fs.readFileSync(path.join(www, 'index.html'), 'utf8');
for (const m of html.matchAll(/data-i18n(?:-title|-placeholder)?="([^"]+)"/g)) used.set(m[1], 'index.html');

for (const [key, where] of used) {
  if (key.endsWith('.')) { prefixes.set(key, where); continue; }  // t('role.' + role)
  if (!(key in zh)) problems.push(`${key}: used in ${where}, missing from the message files`);
}
for (const [prefix, where] of prefixes) {
  if (!Object.keys(zh).some(k => k.startsWith(prefix))) problems.push(`${prefix}*: used in ${where}, no such keys`);
}

if (used.size < 50) problems.push(`only ${used.size} literal keys found: is the scan broken?`);
if (problems.length) {
  console.error(`${problems.length} problem(s) in ${www}/messages:\n  ` + problems.join('\n  '));
  process.exit(1);
}
console.log(`${Object.keys(zh).length} keys in zh-CN.json and en.json; ${used.size} used literally, ${prefixes.size} prefixes: all present`);
