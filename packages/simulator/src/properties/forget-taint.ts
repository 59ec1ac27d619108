// The safety exemption follows data through a full resync too (S11): the
// caller forgets each row its source reports missing below the source's
// horizon (PROTOCOL §7.8 RC-13), so a source whose replica is damaged
// (tainted) makes the caller lose rows the origin never deleted, until a
// reconcile with an honest holder brings them back. Liars' Reconcile
// answers are true except `withhold-parents`', whose scenarios fetch only
// awaited parents (RF-5): a missing parent loses nothing.
import type { ReconcileRequest, ReconcileResponse } from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import { wireStreamKey } from "./short-key.js";

/** Whether device `from` may answer for stream `key` untruthfully (its replica is damaged). */
export type Damaged = (from: number, key: string) => boolean;

/** Taints the receiver of a fetch by id that a damaged source answers with missing ids. */
export class ForgetTaint {
  /** Stream of each fetch by id in flight, by call: the answer names no stream. */
  private readonly fetches = new Map<number, string>();

  constructor(
    private readonly damaged: Damaged,
    private readonly taint: (device: number, from: number, key: string) => void,
  ) {}

  observe(m: TapInfo): void {
    if (m.rpc !== "Reconcile") return;
    if (m.part === "req") {
      const req = m.message() as ReconcileRequest;
      if (req.wantIds.length > 0 && req.stream !== undefined)
        this.fetches.set(m.call, wireStreamKey(req.stream));
      return;
    }
    const key = this.fetches.get(m.call);
    if (key === undefined) return;
    this.fetches.delete(m.call);
    if (m.part !== "res") return;
    const res = m.message() as ReconcileResponse;
    if (res.missingIds.length > 0 && this.damaged(m.from, key)) this.taint(m.to, m.from, key);
  }
}
