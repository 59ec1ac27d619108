// timers-after-reconnect: a replica at rest holds only the timers its rest
// needs (a periodic exchange), and a reconnect must not leave more behind.
// Every replica of the rested world hears each linked peer disconnect and,
// 1 s later, reconnect, as a host reports a network change (the links stay
// up: no call is lost); once the reconnects' Hellos and exchanges are over
// (nothing to do: the world agrees), every replica must hold no more
// timers than before (the fewest of a few looks 100 ms apart; devices on a
// lasting slow link are not judged). A timer
// left per call (a deadline never released) piles up on a long-lived
// device's event loop.
import { linked } from "../scenario.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";

/** Virtual ms between the disconnect and the reconnect. */
const DOWN_MS = 1_000;
/** Virtual ms after the reconnect for its Hellos and exchanges to end. */
const SETTLE_MS = 2_000;
/** Looks at the timers after that, LOOK_EVERY_MS apart. */
const LOOKS = 5;
const LOOK_EVERY_MS = 100;

export async function timersAfterReconnect(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const live = world.liveMembers();
  const before = new Map(live.map((n) => [n.index, n.timers.armed]));
  const pairs: [number, number][] = [];
  for (const a of live)
    for (const b of live)
      if (a.index < b.index && linked(world.scenario, a.index, b.index))
        pairs.push([a.index, b.index]);
  if (pairs.length === 0) return undefined;
  world.emit("phase", { name: "timers-after-reconnect" });
  const tell = (up: boolean) => {
    for (const [a, b] of pairs) {
      const na = world.node(a);
      const nb = world.node(b);
      if (up) {
        // A reconnect reported by the host: each side says Hello again (hello-once).
        world.helloFirst.reconnected(a, b);
        world.helloFirst.reconnected(b, a);
        na.replica?.peerConnected(nb.deviceId);
        nb.replica?.peerConnected(na.deviceId);
      } else {
        na.replica?.peerDisconnected(nb.deviceId);
        nb.replica?.peerDisconnected(na.deviceId);
      }
    }
  };
  tell(false);
  await progress(world.sched.now + DOWN_MS);
  tell(true);
  await progress(world.sched.now + SETTLE_MS);
  // The fewest over a few looks: a periodic exchange in flight holds its
  // call's deadline for a round trip, a leaked one stays for its timeout.
  const fewest = new Map<number, number>();
  for (let look = 0; look < LOOKS; look++) {
    if (look > 0) await progress(world.sched.now + LOOK_EVERY_MS);
    for (const n of world.liveMembers())
      fewest.set(n.index, Math.min(fewest.get(n.index) ?? Infinity, n.timers.armed));
  }
  // A device on a lasting slow or distant link may still be exchanging: not judged.
  const slow = new Set([...world.lastingLinks.keys()].flatMap((k) => k.split(">").map(Number)));
  for (const [index, armed] of fewest) {
    const was = before.get(index);
    if (was === undefined || armed <= was || slow.has(index)) continue;
    return {
      property: "timers-after-reconnect",
      devices: [index, index],
      detail: `d${index} holds ${armed} timers (the fewest of ${LOOKS} looks ${LOOK_EVERY_MS} ms apart) ${SETTLE_MS} ms after a reconnect to every peer at rest (the reconnects' exchanges found nothing to do), ${was} before: a reconnect left timers behind`,
    };
  }
  return undefined;
}
