// `tidemark index PATH`: the walked tree becomes one location's entries,
// committed in batches (one SQLite transaction each) through the replica,
// so every batch is pushed to connected peers as it lands.
import { statfsSync } from "node:fs";
import { hostname } from "node:os";
import { basename } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import type { LocalWrite, Replica } from "@tidemark/engine";
import { EntryKind, EntrySchema, LocationSchema, Resource, VolumeSchema } from "@tidemark/protocol";
import { fromHex, toHex, uuidv7 } from "../ids.js";
import { INDEX_BATCH_ROWS } from "../limits.js";
import { type WalkedKind, walkTree } from "./walk.js";

export type IndexPhase = "scan" | "commit" | "done";

export type IndexProgress = {
  readonly phase: IndexPhase;
  /** Filesystem nodes found so far (scan) or in total (commit, done). */
  readonly scanned: number;
  /** Entry rows committed so far. */
  readonly committed: number;
  readonly skipped: number;
  readonly elapsedMs: number;
};

export type IndexResult = {
  readonly locationId: string;
  readonly volumeId: string;
  readonly entries: number;
  /** A few entry ids (hex), e.g. for tagging in the demo. */
  readonly sampleEntryIds: readonly string[];
  readonly skipped: number;
  readonly elapsedMs: number;
};

const KIND: Readonly<Record<WalkedKind, EntryKind>> = {
  file: EntryKind.FILE,
  directory: EntryKind.DIRECTORY,
  symlink: EntryKind.SYMLINK,
};

/** Creates the device's volume row for `path`; returns its id. */
export function volumeWrite(path: string): { id: Uint8Array; write: LocalWrite } {
  const id = uuidv7();
  let capacity = 0n;
  let filesystem = "";
  try {
    const fs = statfsSync(path, { bigint: true });
    capacity = fs.blocks * fs.bsize;
    filesystem = `0x${fs.type.toString(16)}`;
  } catch {
    // statfs is best-effort metadata.
  }
  return {
    id,
    write: {
      resource: Resource.VOLUME,
      rowId: id,
      body: {
        case: "volume",
        value: create(VolumeSchema, {
          name: `${hostname()} disk`,
          mountPoint: "/",
          capacityBytes: capacity,
          filesystem,
        }),
      },
    },
  };
}

export type IndexOptions = {
  readonly replica: Replica;
  /** Absolute path to index. */
  readonly path: string;
  /** Existing volume id (hex), or undefined to create one. */
  readonly volumeId: string | undefined;
  readonly batchRows?: number;
  readonly onProgress?: (p: IndexProgress) => void;
  /** Clock for progress; injectable for tests. */
  readonly now?: () => number;
};

/**
 * Walks `path`, then commits the volume (if new), the location and every
 * entry, parents first, in batches of `batchRows`. Yields to the event loop
 * between batches so a serving peer keeps answering RPCs while it indexes.
 */
export async function indexLocation(opts: IndexOptions): Promise<IndexResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const batchRows = opts.batchRows ?? INDEX_BATCH_ROWS;
  const report = (phase: IndexPhase, scanned: number, committed: number, skipped: number) =>
    opts.onProgress?.({ phase, scanned, committed, skipped, elapsedMs: now() - started });

  report("scan", 0, 0, 0);
  const { nodes, skipped } = walkTree(opts.path, (p) => report("scan", p.nodes, 0, p.skipped));
  report("commit", nodes.length, 0, skipped);

  const head: LocalWrite[] = [];
  let volumeId: Uint8Array;
  if (opts.volumeId === undefined) {
    const v = volumeWrite(opts.path);
    volumeId = v.id;
    head.push(v.write);
  } else {
    volumeId = fromHex(opts.volumeId, "volume id");
  }
  const locationId = uuidv7();
  head.push({
    resource: Resource.LOCATION,
    rowId: locationId,
    body: {
      case: "location",
      value: create(LocationSchema, { volumeId, path: opts.path, name: basename(opts.path) }),
    },
  });
  opts.replica.commit(head);

  const ids: Uint8Array[] = new Array(nodes.length);
  let committed = 0;
  for (let start = 0; start < nodes.length; start += batchRows) {
    const batch: LocalWrite[] = [];
    for (const node of nodes.slice(start, start + batchRows)) {
      const id = uuidv7();
      ids[node.index] = id;
      const parentId = node.parent >= 0 ? ids[node.parent] : undefined;
      batch.push({
        resource: Resource.ENTRY,
        rowId: id,
        body: {
          case: "entry",
          value: create(EntrySchema, {
            locationId,
            ...(parentId === undefined ? {} : { parentId }),
            name: node.parent < 0 ? basename(opts.path) : node.name,
            kind: KIND[node.kind],
            size: BigInt(node.size),
            modifiedAtMs: BigInt(Math.trunc(node.mtimeMs)),
          }),
        },
      });
    }
    opts.replica.commit(batch);
    committed += batch.length;
    report("commit", nodes.length, committed, skipped);
    await yieldToLoop();
  }
  opts.replica.announceDataAvailable();
  const elapsedMs = now() - started;
  report("done", nodes.length, committed, skipped);
  return {
    locationId: toHex(locationId),
    volumeId: toHex(volumeId),
    entries: committed,
    sampleEntryIds: ids.slice(0, 8).map(toHex),
    skipped,
    elapsedMs,
  };
}
