// retry-backoff after progress: the origin is down and the joiner's only
// source, the relay d1, sits behind a path that resets every Backfill after
// its first two pages ("cut-backfills"). Each pull lands rows and then
// fails: progress starts the failure count over, so the retries stay near
// the base delay and the joiner gets the stream two pages at a time —
// not ever later, as if each of those pulls had failed outright.
import type { Scenario } from "../scenario.js";
import { onlySourceLies } from "./issue11.js";
import type { ScenarioParams } from "./params.js";

export function cutBackfillRetries(p: ScenarioParams): Scenario {
  return onlySourceLies(p, "cut-backfill-retries", "cut-backfills", 10, 300);
}
