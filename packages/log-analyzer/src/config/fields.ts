// A small declarative checker for JSON config values: each field names its
// kind and range, unknown keys are errors (with a "did you mean"), and every
// problem is reported at once with its path. Adding an option is one line in
// a schema; `Schema<T>` makes the compiler ask for that line.

export interface NumberSpec {
  readonly kind: "number";
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
}
export interface BooleanSpec {
  readonly kind: "boolean";
}
export interface StringSpec {
  readonly kind: "string";
  /** When set, the only accepted values. */
  readonly oneOf?: readonly string[];
}
export interface ListSpec {
  readonly kind: "list";
  readonly of: FieldSpec;
}
export interface ObjectSpec {
  readonly kind: "object";
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Keys that must be present (the rest are optional). */
  readonly required?: readonly string[];
}
export type FieldSpec = NumberSpec | BooleanSpec | StringSpec | ListSpec | ObjectSpec;

/** The spec a value of type T needs. */
export type SpecFor<T> = T extends number
  ? NumberSpec
  : T extends boolean
    ? BooleanSpec
    : T extends string
      ? StringSpec
      : T extends readonly unknown[]
        ? ListSpec
        : ObjectSpec;

/** One spec per key of T, none missing: a new option fails to compile until it is declared. */
export type Schema<T> = { readonly [K in keyof T]-?: SpecFor<NonNullable<T[K]>> };

/** One problem, at a dotted path such as `miner.similarity` or `masks[2].regex`. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return JSON.stringify(v) ?? typeof v;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return row[b.length] as number;
}

/** The known key closest to `key`, if it is close enough to be a typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

function checkObject(value: unknown, spec: ObjectSpec, path: string, out: Problem[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    out.push({ path, message: `must be an object, got ${describe(value)}` });
    return;
  }
  const known = Object.keys(spec.fields);
  for (const key of spec.required ?? []) {
    if (!(key in value)) out.push({ path: join(path, key), message: "is required" });
  }
  for (const [key, v] of Object.entries(value)) {
    const field = spec.fields[key];
    // "$comment" and the like: JSON has no comments.
    if (key.startsWith("$")) continue;
    if (field === undefined) {
      const hint = suggest(key, known);
      const expected =
        hint === undefined ? `known keys: ${known.join(", ")}` : `did you mean "${hint}"?`;
      out.push({ path: join(path, key), message: `unknown key (${expected})` });
    } else checkValue(v, field, join(path, key), out);
  }
}

/** Appends every problem of `value` against `spec` to `out`. */
export function checkValue(value: unknown, spec: FieldSpec, path: string, out: Problem[]): void {
  switch (spec.kind) {
    case "number": {
      const ok =
        typeof value === "number" &&
        Number.isFinite(value) &&
        value >= spec.min &&
        value <= spec.max &&
        (spec.integer !== true || Number.isInteger(value));
      if (!ok) {
        const what = spec.integer === true ? "an integer" : "a number";
        out.push({
          path,
          message: `must be ${what} from ${spec.min} to ${spec.max}, got ${describe(value)}`,
        });
      }
      return;
    }
    case "boolean":
      if (typeof value !== "boolean")
        out.push({ path, message: `must be true or false, got ${describe(value)}` });
      return;
    case "string":
      if (typeof value !== "string")
        out.push({ path, message: `must be a string, got ${describe(value)}` });
      else if (spec.oneOf !== undefined && !spec.oneOf.includes(value)) {
        out.push({
          path,
          message: `must be one of ${spec.oneOf.map((s) => `"${s}"`).join(", ")}, got ${describe(value)}`,
        });
      }
      return;
    case "list":
      if (!Array.isArray(value))
        out.push({ path, message: `must be a list, got ${describe(value)}` });
      else {
        value.forEach((v, i) => {
          checkValue(v, spec.of, `${path}[${i}]`, out);
        });
      }
      return;
    case "object":
      checkObject(value, spec, path, out);
      return;
  }
}
