// Peers that require a Hello and forget it: another implementation that
// keeps a session per caller (PROTOCOL.md §10: "a responder MAY require
// it") and ends each session a fixed time after the Hello that opened it,
// as a server with a session lifetime does. Any other call from a caller
// with no live session is answered UNKNOWN_PEER, and by ER-5 the caller
// must say Hello before it repeats it. Our responders never answer
// UNKNOWN_PEER, so without such peers the simulator never reaches the
// caller's side of ER-5.
import type { ServiceImpl } from "@connectrpc/connect";
import { idToHex } from "@tidemark/engine";
import {
  type BackfillResponse,
  ErrorReason,
  ProtocolError,
  type SyncService,
} from "@tidemark/protocol";

type Service = ServiceImpl<typeof SyncService>;

/** One responder incarnation's sessions: when each caller's Hello opened it. */
export class Sessions {
  private readonly openedAt = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly lifetimeMs: number,
  ) {}

  open(caller: Uint8Array): void {
    this.openedAt.set(idToHex(caller), this.now());
  }

  /** Throws UNKNOWN_PEER unless `caller` said Hello less than a lifetime ago. */
  require(caller: Uint8Array): void {
    const key = idToHex(caller);
    const at = this.openedAt.get(key);
    if (at !== undefined && this.now() - at < this.lifetimeMs) return;
    this.openedAt.delete(key);
    throw new ProtocolError(
      ErrorReason.UNKNOWN_PEER,
      "no session for the caller: say Hello first",
    ).toConnectError();
  }
}

/** `service` behind a Hello-requiring session table. */
export function helloRequiredService(service: Service, sessions: Sessions): Service {
  return {
    ...service,
    hello: async (req, ctx) => {
      const res = await service.hello(req, ctx);
      sessions.open(req.deviceId);
      return res;
    },
    exchangeWatermarks: (req, ctx) => {
      sessions.require(req.deviceId);
      return service.exchangeWatermarks(req, ctx);
    },
    backfill: async function* (req, ctx) {
      sessions.require(req.deviceId);
      yield* service.backfill(req, ctx) as AsyncIterable<BackfillResponse>;
    },
    pushChanges: (req, ctx) => {
      sessions.require(req.deviceId);
      return service.pushChanges(req, ctx);
    },
    reconcile: (req, ctx) => {
      sessions.require(req.deviceId);
      return service.reconcile(req, ctx);
    },
    notifyDataAvailable: (req, ctx) => {
      sessions.require(req.deviceId);
      return service.notifyDataAvailable(req, ctx);
    },
  };
}
