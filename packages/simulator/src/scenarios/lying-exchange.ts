// A peer whose ExchangeWatermarks answers are malformed (a stream listed
// twice: another implementation's bug) while chaos lasts: d0 exchanges with
// it from the start and again after a partition heals, the joiner d2
// later. Each caller must refuse every such answer, count it where an
// operator looks (tidemark_invalid_responses_total{rpc="exchange"},
// invalid-exchanges-counted), back off rather than give up for good, and
// sync with it once its answers are well formed again.
import type { Scenario } from "../scenario.js";
import { malformedAnswers } from "./lying-hello.js";
import type { ScenarioParams } from "./params.js";

export function lyingExchange(p: ScenarioParams): Scenario {
  return malformedAnswers(p, "lying-exchange", "bad-exchange");
}
