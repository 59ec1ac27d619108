// The one-line command that replays a run exactly.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scenario } from "./scenario.js";

/** Named scenario + parameters: the CLI rebuilds the same scenario. */
export type NamedRef = {
  readonly kind: "named";
  readonly name: string;
  readonly seed: number;
  readonly devices?: number;
  readonly scale?: number;
  readonly variant?: string | undefined;
};

export function namedReplay(ref: NamedRef): string {
  const dev = ref.devices === undefined ? "" : ` --devices ${ref.devices}`;
  const scale = ref.scale === undefined ? "" : ` --scale ${ref.scale}`;
  const variant = ref.variant === undefined ? "" : ` --variant ${ref.variant}`;
  return `pnpm sim --scenario ${ref.name} --seed ${ref.seed}${dev}${scale}${variant}`;
}

/**
 * A spec scenario (generated, shrunk): inline JSON when short, else a file
 * under the OS temp dir. The spec carries its variant.
 */
export function specReplay(s: Scenario): string {
  const json = JSON.stringify(s);
  if (json.length <= 1_500) return `pnpm sim --spec '${json}'`;
  const dir = join(tmpdir(), "tidemark-sim");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${s.name}-${s.seed}-${s.steps.length}.json`);
  writeFileSync(file, `${json}\n`);
  return `pnpm sim --spec ${file}`;
}
