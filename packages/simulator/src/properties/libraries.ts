// libraries-apart: a device of another library paired in by mistake must
// stay apart (PROTOCOL §15 AU-7). Judged at rest: no stream of one library's
// origins is held by a device of the other, each side publishes the other's
// devices as parked (`failed`: refused for good, not retried or shown as
// syncing), and the second library converges on its own (every foreign
// device holds each other's streams at their origin's cursor).
import type { ReplicaProbe } from "../probe/probe.js";
import type { PropertyFailure } from "./property.js";

/** What libraries-apart reads of a device (a SimNode is one). */
export type Device = {
  readonly index: number;
  readonly deviceId: string;
  readonly replica?: { readonly probe: Pick<ReplicaProbe, "watermarks" | "peers"> } | undefined;
};

const fail = (a: Device, b: Device, detail: string): PropertyFailure => ({
  property: "libraries-apart",
  devices: [a.index, b.index],
  detail,
});

/** No stream of `b`'s library's origins on `a`, and `a` shows `b` parked if they are paired. */
async function apart(a: Device, b: Device, others: ReadonlySet<string>, paired: boolean) {
  const probe = a.replica?.probe;
  if (probe === undefined) return undefined;
  for (const w of await probe.watermarks()) {
    if (others.has(w.stream.origin))
      return fail(
        a,
        b,
        `d${a.index} holds a stream of ${w.stream.origin.slice(0, 8)}, a device of another library`,
      );
  }
  if (!paired) return undefined;
  const view = (await probe.peers?.())?.find((p) => p.peer === b.deviceId);
  if (view !== undefined && view.state !== "failed")
    return fail(
      a,
      b,
      `d${a.index} shows d${b.index}, a device of another library, as ${view.state} (expected failed: parked)`,
    );
  return undefined;
}

/** Every foreign device holds every other's streams at their origin's cursor. */
async function foreignConverged(foreign: readonly Device[]) {
  for (const origin of foreign) {
    const own = (await origin.replica?.probe.watermarks())?.filter(
      (w) => w.stream.origin === origin.deviceId,
    );
    for (const other of foreign) {
      if (other === origin || own === undefined) continue;
      const held = await other.replica?.probe.watermarks();
      for (const w of own) {
        const h = held?.find(
          (x) => x.stream.origin === origin.deviceId && x.stream.resource === w.stream.resource,
        );
        if (h?.cursor !== w.cursor)
          return fail(
            origin,
            other,
            `d${other.index} holds d${origin.index}'s stream (resource ${w.stream.resource}) at ${h?.cursor ?? "nothing"}, its origin at ${w.cursor ?? "nothing"}: the second library did not converge`,
          );
      }
    }
  }
  return undefined;
}

/** libraries-apart over the library's live members and the live foreign devices. */
export async function librariesApart(
  members: readonly Device[],
  foreign: readonly Device[],
  paired: (a: Device, b: Device) => boolean,
): Promise<PropertyFailure | undefined> {
  const memberIds = new Set(members.map((n) => n.deviceId));
  const foreignIds = new Set(foreign.map((n) => n.deviceId));
  for (const m of members) {
    for (const f of foreign) {
      const both = paired(m, f);
      const failure = (await apart(m, f, foreignIds, both)) ?? (await apart(f, m, memberIds, both));
      if (failure !== undefined) return failure;
    }
  }
  return foreignConverged(foreign);
}
