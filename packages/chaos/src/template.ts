// Command templates: `--peer-cmd 'tidemark --data {dir} serve --port {port} --test-control'`.
// Placeholders are replaced by shell-quoted values; the command runs in
// `sh -c`, so a template may be any command line in any language.

export type TemplateValues = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\{([a-z]+)\}/g;

/** Single-quotes a value for sh (safe for any path). */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Fills a template; an unknown placeholder is an error (a typo would otherwise run). */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw new RangeError(
        `unknown placeholder ${whole} in "${template}"; known: ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(" ")}`,
      );
    }
    return shellQuote(String(v));
  });
}
