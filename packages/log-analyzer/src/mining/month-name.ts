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
