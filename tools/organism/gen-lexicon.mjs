// Writes models/organism/lexicon.json: the embedded model's typed lexicon, the kinds of entity its corpus teaches
// (US states, US cities and state capitals, cities and capitals of the world, countries, languages), from the same data packages as the corpus (data.mjs).
// Stated-reasoning comparisons use it to say that two concepts are of the same kind (Ohio and Texas are both US
// states), so that a claim naming one where the computation holds the other is contradicted, and to pick the
// replacement of a claim's key entity when they add a mistake. Numbers are a kind of their own, needing no list.
// Usage: node tools/organism/gen-lexicon.mjs [out.json]
import { writeFileSync, renameSync } from 'node:fs';
import { usGeography, countries, moreCountries } from './data.mjs';

const out = process.argv[2] ?? 'models/organism/lexicon.json';
// RECIPE as in gen-corpus.mjs: recipes 2 (the shipped model's) and 3 teach 12 cities a state, recipe 1 taught 4.
const RECIPE = process.env.RECIPE || '2';
if (!['1', '2', '3'].includes(RECIPE)) throw new Error(`RECIPE must be 1, 2 or 3, not ${RECIPE}`);
const geo = usGeography(RECIPE === '1' ? 4 : 12);
const world = countries();
const extra = moreCountries(new Set(world.map((c) => c.code)));
const uniq = (xs) => [...new Set(xs.filter(Boolean))].sort();
const kinds = {
  'US state': uniq(geo.map((s) => s.state)),
  'US city': uniq(geo.flatMap((s) => [s.capital, ...s.cities])),
  'US state capital': uniq(geo.map((s) => s.capital)),
  city: uniq([...geo.flatMap((s) => [s.capital, ...s.cities]), ...world.flatMap((c) => Object.values(c.capital)), ...extra.map((c) => c.capital)]),
  capital: uniq([...geo.map((s) => s.capital), ...world.flatMap((c) => Object.values(c.capital)), ...extra.map((c) => c.capital)]),
  country: uniq([...world.flatMap((c) => [c.en, c.es, c.fr]), ...extra.map((c) => c.en)]),
  language: ['English', 'French', 'Spanish'],
};
const doc = {
  description: 'Typed lexicon of the embedded model (tools/organism/gen-lexicon.mjs): entities of the same kind can contradict each other in a stated reasoning.',
  kinds,
};
writeFileSync(`${out}.tmp`, JSON.stringify(doc, null, 1) + '\n');
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}: ${Object.entries(kinds).map(([k, v]) => `${v.length} ${k}`).join(', ')}`);
