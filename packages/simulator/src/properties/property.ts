// A property is a named check over the healed world. A failure names the
// property, the first device pair that differs (when two devices are
// compared) and what differs, so a human can start from the right place.
import type { Oracle } from "../oracle.js";
import type { NodeView } from "./view.js";

export type PropertyFailure = {
  readonly property: string;
  /** The first pair of devices that differ, when the property compares devices. */
  readonly devices?: readonly [number, number];
  readonly detail: string;
};

/** The dependency buffer's bounds besides its row count (ReplicaBounds' names). */
export type DependencyBounds = {
  readonly dependencyRowsPerOrigin: number;
  readonly dependencyBytesPerOrigin: number;
  readonly dependencyBytes: number;
};

/** The realtime pending buffer's byte bounds (ReplicaBounds' names) and who may push. */
export type RealtimeBounds = {
  readonly heldRealtimeBytesPerPeer: number;
  readonly heldRealtimeBytes: number;
  /** Devices that may push to any one replica (every other device). */
  readonly pushers: number;
};

export type World = {
  /** Live members of the library, ascending index. */
  readonly nodes: readonly NodeView[];
  readonly oracle: Oracle;
  /** Highest value each gauge reached during the run, on any device. */
  readonly bufferPeaks: ReadonlyMap<string, number>;
  readonly pendingBufferMax: number;
  /** Changes a replica may hold for missing parents (default: PROTOCOL §11's bound). */
  readonly dependencyBufferMax?: number;
  /** The dependency buffer's per-origin and byte bounds the scenario set (default: PROTOCOL §11's). */
  readonly dependencyBounds?: DependencyBounds;
  /** The realtime buffer's byte bounds the scenario set (default: PROTOCOL §11's). */
  readonly realtimeBounds?: RealtimeBounds;
  /**
   * False when some device that wrote data is gone (left, or kept down):
   * realtime changes held for a gap only it could fill may then stay
   * buffered (bounded) — they are not a leak.
   */
  readonly allOriginsLive: boolean;
};

export type Property = {
  readonly name: string;
  readonly check: (world: World) => PropertyFailure | undefined;
};

export function describeFailure(f: PropertyFailure): string {
  const pair = f.devices === undefined ? "" : ` (devices d${f.devices[0]} vs d${f.devices[1]})`;
  return `property ${f.property} failed${pair}: ${f.detail}`;
}
