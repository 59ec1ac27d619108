// Capability negotiation for coded-symbol reconciliation (PROTOCOL.md
// §7.9, §14 VR-6), between two real replicas on SQLite files: a peer
// whose Hello announces reconcile.riblt.v1 is reconciled with coded
// symbols; a version 1 peer, which announces only reconcile.v1 and
// refuses the new payload as a version 1 decoder would (no payload),
// gets range rounds, and the lost rows come back either way. A reply the
// initiator refuses for its own checks (valid to the protocol's validator,
// inconsistent with what it sent) is counted as a validator's refusal is.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type ReconcileRequest,
  type ReconcileResponse,
  Resource,
  type SyncService,
} from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { inProcessPorts } from "../../test/in-process-ports.js";
import { openReplica, type TidemarkReplica } from "../replica.js";
import { newRowId } from "../store/index.js";
import { tagWrite } from "../store/testing.js";
import { damageDatabase } from "../testing/damage.js";
import { testIdentity } from "../testing/identity.js";
import { DbInspector } from "../testing/inspect.js";

const LIBRARY = "0f0e0d0c0b0a09080706050403020100";
const ROWS = 120;
const LOST = 40;
const dirs: string[] = [];
const open: TidemarkReplica[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Net = {
  services: Map<string, TidemarkReplica["service"]>;
  v1Only: Set<string>;
  /** Rewrites a peer's Reconcile answers (a faulty peer), when set. */
  lie?: (res: ReconcileResponse) => ReconcileResponse;
};
type Seen = { reconcileRequests: ReconcileRequest[] };

/** A version 1 peer (net.v1Only) announces and reads only range rounds. */
function serviceOf(net: Net, seen: Seen, peer: string): ServiceImpl<typeof SyncService> {
  const service = net.services.get(peer);
  if (service === undefined) throw new Error(`no peer ${peer}`);
  const v1 = net.v1Only.has(peer);
  return {
    ...service,
    // A version 1 peer announces only reconcile.v1 ...
    hello: async (req, ctx) => {
      const res = await service.hello(req, ctx);
      return v1 ? { ...res, capabilities: ["reconcile.v1"] } : res;
    },
    // ... and cannot read a symbols_request (its decoder sees no payload).
    reconcile: async (req, ctx) => {
      seen.reconcileRequests.push(req);
      if (v1 && req.ranges.some((r) => r.payload.case === "symbolsRequest"))
        throw new ConnectError("ranges[0].payload is required", Code.InvalidArgument);
      const res = (await service.reconcile(req, ctx)) as ReconcileResponse;
      return net.lie === undefined ? res : net.lie(res);
    },
  };
}

function replica(label: string, file: string, net: Net, seen: Seen): TidemarkReplica {
  const who = testIdentity(label);
  const r = openReplica({
    db: new Database(file),
    deviceId: who.deviceId,
    signer: who.signer,
    libraryId: LIBRARY,
    deviceName: label,
    ports: inProcessPorts((peer) => serviceOf(net, seen, peer)),
    // The in-process transport authenticates nobody: take the claimed device id.
    callers: "claimed",
  });
  net.services.set(who.deviceId, r.service);
  open.push(r);
  // Started before any peer is added: alone, it confirms its own streams (§3.7).
  r.start();
  return r;
}

async function settle(...rs: TidemarkReplica[]): Promise<void> {
  for (let k = 0; k < 200; k++) {
    await new Promise((res) => setTimeout(res, 25));
    if (rs.every((r) => r.isIdle())) return;
  }
  throw new Error("replicas did not settle in 5 s");
}

/** B writes ROWS tags; A pulls them, loses LOST behind its back, reconnects. */
async function loseAndRepair(v1Only: boolean, lie?: Net["lie"]) {
  const dir = mkdtempSync(join(tmpdir(), "tidemark-negotiation-"));
  dirs.push(dir);
  const net: Net = { services: new Map(), v1Only: new Set() };
  const seen: Seen = { reconcileRequests: [] };
  const fileA = join(dir, "a.db");
  let a = replica("neg-a", fileA, net, seen);
  const b = replica("neg-b", join(dir, "b.db"), net, seen);
  if (v1Only) net.v1Only.add(b.deviceId);
  const ids = Array.from({ length: ROWS }, () => newRowId(Date.now(), Math.random));
  b.commit(ids.map((id, k) => tagWrite(id, `t${k}`)));
  a.addPeer(b.deviceId);
  b.addPeer(a.deviceId);
  a.peerConnected(b.deviceId);
  await settle(a, b);
  const stream = { origin: b.deviceId, resource: Resource.TAG };
  open.splice(open.indexOf(a), 1);
  a.close();
  const db = new Database(fileA);
  damageDatabase(db, {
    kind: "lose-rows",
    rows: ids.slice(0, LOST).map((id) => ({ stream, id })),
  });
  db.close();
  a = replica("neg-a", fileA, net, seen);
  a.addPeer(b.deviceId);
  if (lie !== undefined) net.lie = lie;
  seen.reconcileRequests.length = 0;
  a.peerConnected(b.deviceId);
  await settle(a, b);
  const check = new Database(fileA, { readonly: true });
  const rows = new DbInspector(check).visibleRows(Resource.TAG).length;
  check.close();
  const rounds = seen.reconcileRequests.filter((r) => r.ranges.length > 0);
  const refused = Object.entries(a.metrics().values)
    .filter(
      ([k]) => k.startsWith("tidemark_invalid_responses_total") && k.includes('rpc="reconcile"'),
    )
    .reduce((n, [, v]) => n + v, 0);
  return {
    refused,
    rows,
    rounds: rounds.length,
    coded: rounds.filter((r) => r.ranges.some((x) => x.payload.case === "symbolsRequest")).length,
    fetchedIds: seen.reconcileRequests.reduce((n, r) => n + r.wantIds.length, 0),
  };
}

describe("coded-symbol negotiation", () => {
  it("reconciles with coded symbols when the peer announces reconcile.riblt.v1", async () => {
    const out = await loseAndRepair(false);
    expect(out.rows).toBe(ROWS);
    expect(out.coded).toBeGreaterThan(0);
    expect(out.rounds).toBe(out.coded);
    expect(out.fetchedIds).toBe(LOST);
  }, 60_000);

  it("uses version 1 range rounds with a peer that announces only reconcile.v1", async () => {
    const out = await loseAndRepair(true);
    expect(out.rows).toBe(ROWS);
    expect(out.rounds).toBeGreaterThan(0);
    expect(out.coded).toBe(0);
    expect(out.fetchedIds).toBe(LOST);
  }, 60_000);

  it("counts a reply the initiator refuses as an invalid reconcile response", async () => {
    // Each listed range also "needs" an id of its own listing: valid on
    // its own, but no honest peer asks for what it just listed.
    const lie = (res: ReconcileResponse): ReconcileResponse => ({
      ...res,
      ranges: res.ranges.map((r) =>
        r.payload.case === "items" && r.payload.value.ids.length > 0
          ? {
              ...r,
              payload: {
                case: "items",
                value: { ...r.payload.value, neededIds: r.payload.value.ids.slice(0, 16) },
              },
            }
          : r,
      ),
    });
    const out = await loseAndRepair(true, lie);
    expect(out.refused).toBeGreaterThan(0);
  }, 60_000);

  it("counts no refusal between honest peers", async () => {
    expect((await loseAndRepair(true)).refused).toBe(0);
    expect((await loseAndRepair(false)).refused).toBe(0);
  }, 60_000);
});
