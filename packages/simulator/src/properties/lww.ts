// Last-writer-wins judged against the oracle, not just agreement (S8): each
// shared row a replica shows is the winner by (hlc, origin) among the
// origins' versions it holds — a replica that shows the wrong writer fails
// even if every replica shows the same one. And HLC causality: a replica's
// clock is past every HLC it has received (the receive rule, PROTOCOL §3.5).
import { streamKeyString } from "@tidemark/engine";
import { isSharedResource, type Resource } from "@tidemark/protocol";
import type { RowVersion } from "../probe/types.js";
import { lwwWins } from "./no-resurrection.js";
import type { Property } from "./property.js";

export const lastWriterWins: Property = {
  name: "last-writer-wins",
  check(world) {
    for (const node of world.nodes) {
      const winners = new Map<Resource, Map<string, RowVersion>>();
      for (const w of node.watermarks) {
        if (!isSharedResource(w.stream.resource) || w.pulling) continue;
        let m = winners.get(w.stream.resource);
        if (m === undefined) {
          m = new Map();
          winners.set(w.stream.resource, m);
        }
        for (const [id, c] of world.oracle.expectedRows(streamKeyString(w.stream), w.cursor)) {
          const prev = m.get(id);
          if (prev === undefined || lwwWins(c, prev)) m.set(id, c);
        }
      }
      const shown = new Map<string, RowVersion>();
      for (const r of node.rows)
        if (isSharedResource(r.resource)) shown.set(`${r.resource}/${r.id}`, r);
      for (const [resource, m] of winners) {
        for (const [id, win] of m) {
          const row = shown.get(`${resource}/${id}`);
          const ok = win.deleted
            ? row === undefined
            : row !== undefined && row.origin === win.origin && row.seq === win.seq;
          if (!ok) {
            return {
              property: "last-writer-wins",
              devices: [node.index, node.index],
              detail: `d${node.index} resource ${resource} row ${id}: the winner by (hlc, origin) is origin ${win.origin.slice(0, 8)} seq ${win.seq} hlc ${win.hlc}${win.deleted ? " (a delete)" : ""}, it shows ${row === undefined ? "nothing" : `origin ${row.origin.slice(0, 8)} seq ${row.seq} hlc ${row.hlc}`}`,
            };
          }
        }
      }
    }
    return undefined;
  },
};

export const hlcCausal: Property = {
  name: "hlc-causal",
  check(world) {
    for (const node of world.nodes) {
      for (const [key, entries] of node.entries) {
        for (const e of entries) {
          // Another origin's HLC went through a receive: the clock is strictly past it.
          const own = e.origin === node.deviceId;
          if (e.hlc !== undefined && (own ? e.hlc > node.hlc : e.hlc >= node.hlc)) {
            return {
              property: "hlc-causal",
              devices: [node.index, node.index],
              detail: `d${node.index} holds ${key} row ${e.id} with hlc ${e.hlc}, past its own clock ${node.hlc}: a receive did not move the clock`,
            };
          }
        }
      }
    }
    return undefined;
  },
};
