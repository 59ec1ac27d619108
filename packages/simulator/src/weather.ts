// Named network conditions for the chaos phase; heal is always "calm".
import { CALM_LINK, type LinkProfile, STORMY_LINK } from "./network/link.js";
import type { WeatherName } from "./scenario.js";

export const WEATHER: Readonly<Record<WeatherName, LinkProfile>> = {
  calm: CALM_LINK,
  jittery: { ...CALM_LINK, latencyMs: 10, jitterMs: 40, reorder: 0.2, reorderDelayMs: 150 },
  lossy: {
    ...CALM_LINK,
    latencyMs: 15,
    jitterMs: 20,
    loss: 0.1,
    duplicate: 0.05,
    reorder: 0.1,
    reorderDelayMs: 100,
  },
  stormy: STORMY_LINK,
};
