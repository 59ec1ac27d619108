export {
  DEFAULT_HLC_MAX_OFFSET_MS,
  HLC_COUNTER_MAX,
  HLC_MS_MAX,
  hlcCheckRemote,
  hlcCounter,
  hlcMs,
  hlcPack,
  hlcReceive,
  hlcTick,
} from "./hlc.js";
export { ReferenceClock } from "./reference-clock.js";
