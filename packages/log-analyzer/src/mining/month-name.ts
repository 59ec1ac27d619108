// Month names as log stamps spell them. English in any case, full or cut
// ("Dec", "DEC", "December", "Sept"), and the usual names and abbreviations
// of German, French, Spanish, Italian, Portuguese and Dutch, with or without
// accents and a trailing dot ("Dez", "déc.", "févr", "mrt", "dic"). None of
// these spellings means a different month in another of these languages, so
// one table serves every file. Any other word is no month: the stamp does not
// match and the line has no time (it is still mined and kept byte for byte).

export const MONTH_NAMES: readonly (readonly string[])[] = [
  [
    "jan",
    "january",
    "januar",
    "jän",
    "jaen",
    "janv",
    "janvier",
    "ene",
    "enero",
    "gen",
    "gennaio",
    "janeiro",
    "januari",
  ],
  [
    "feb",
    "february",
    "februar",
    "fév",
    "fev",
    "févr",
    "fevr",
    "février",
    "fevrier",
    "febrero",
    "febbraio",
    "fevereiro",
    "februari",
  ],
  [
    "mar",
    "march",
    "märz",
    "maerz",
    "marz",
    "mär",
    "mrz",
    "mars",
    "marzo",
    "março",
    "marco",
    "maart",
    "mrt",
  ],
  ["apr", "april", "avr", "avril", "abr", "abril", "aprile"],
  ["may", "mai", "mayo", "mag", "maggio", "maio", "mei"],
  ["jun", "june", "juni", "juin", "junio", "giu", "giugno", "junho"],
  ["jul", "july", "juli", "juil", "juillet", "julio", "lug", "luglio", "julho"],
  ["aug", "august", "aoû", "aou", "août", "aout", "ago", "agosto", "augustus"],
  [
    "sep",
    "sept",
    "september",
    "septembre",
    "septiembre",
    "set",
    "setiembre",
    "settembre",
    "setembro",
  ],
  ["oct", "october", "okt", "oktober", "octobre", "octubre", "ott", "ottobre", "out", "outubro"],
  ["nov", "november", "novembre", "noviembre", "novembro"],
  [
    "dec",
    "december",
    "dez",
    "dezember",
    "déc",
    "décembre",
    "decembre",
    "dic",
    "diciembre",
    "dicembre",
    "dezembro",
  ],
];

const NUMBER = new Map<string, number>(
  MONTH_NAMES.flatMap((names, i) => names.map((n) => [n, i + 1] as const)),
);

/** Longest name in the table, in UTF-16 units (scanners stop there). */
export const MONTH_NAME_MAX = Math.max(...[...NUMBER.keys()].map((k) => k.length));

/** 1..12 for a month name (any case, an optional trailing "."), else 0. */
export function monthNumber(word: string): number {
  const w = word.endsWith(".") ? word.slice(0, -1) : word;
  return NUMBER.get(w.toLowerCase()) ?? 0;
}

/** A letter a month name may hold: ASCII or Latin-1 (ä, é, û, ç). */
export function isMonthLetter(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 0xc0 && c <= 0xff && c !== 0xd7 && c !== 0xf7)
  );
}

/** A regex source for one month-name word (checked by {@link monthNumber}). */
export const MONTH_WORD = "([A-Za-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff]{3,10}\\.?)";

// Three letters as one number, lower-cased (ASCII and Latin-1 letters lower
// by setting bit 5), or -1: month words are checked without a string.
function key3(line: string, at: number): number {
  let k = 0;
  for (let i = at; i < at + 3; i++) {
    const c = line.charCodeAt(i);
    if (!isMonthLetter(c)) return -1;
    k = k * 256 + (c | 32);
  }
  return k;
}

const keyOf = (w: string): number => key3(w, 0);

// The first three letters of every name.
const PREFIX = new Set<number>([...NUMBER.keys()].map((n) => keyOf(n.slice(0, 3))));
const WEEKDAYS = new Set<number>("mon tue wed thu fri sat sun".split(" ").map(keyOf));

// The month of an English three-letter name at `at` in any case, else 0:
// char codes only, because syslog files ask this on every line.
function english3(line: string, at: number): number {
  const a = line.charCodeAt(at) | 32;
  const b = line.charCodeAt(at + 1) | 32;
  const c = line.charCodeAt(at + 2) | 32;
  switch (a) {
    case 106: // j
      if (b === 97) return c === 110 ? 1 : 0;
      return b === 117 ? (c === 110 ? 6 : c === 108 ? 7 : 0) : 0;
    case 102: // f
      return b === 101 && c === 98 ? 2 : 0;
    case 109: // m
      return b === 97 ? (c === 114 ? 3 : c === 121 ? 5 : 0) : 0;
    case 97: // a
      return b === 112 && c === 114 ? 4 : b === 117 && c === 103 ? 8 : 0;
    case 115: // s
      return b === 101 && c === 112 ? 9 : 0;
    case 111: // o
      return b === 99 && c === 116 ? 10 : 0;
    case 110: // n
      return b === 111 && c === 118 ? 11 : 0;
    case 100: // d
      return b === 101 && c === 99 ? 12 : 0;
    default:
      return 0;
  }
}

/** The month of the word line[at, end) (end past an optional "."), else 0. */
export function monthAt(line: string, at: number, end: number): number {
  const n = line.charCodeAt(end - 1) === 46 ? end - 1 - at : end - at;
  const m = n === 3 ? english3(line, at) : 0;
  return m !== 0 ? m : monthNumber(line.slice(at, end));
}

/** Whether the 3 letters at `at` begin a month name or an English weekday (any case). */
export function opensMonthOrWeekday(line: string, at: number): boolean {
  const k = key3(line, at);
  return k >= 0 && (PREFIX.has(k) || WEEKDAYS.has(k));
}
