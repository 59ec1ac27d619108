// The workload a chaos run drives through TestControl: indexing a tree
// (a volume, a location, entries under parents, in commits of a few dozen
// like an indexer), deleting files, and edits of a few tags every peer
// shares (so concurrent writes meet last-writer-wins). Writes are built
// from what the peer's own probe shows, so they are valid on any
// implementation; every commit goes to the oracle.
import { idToHex } from "@tidemark/engine";
import { EntryKind, Resource } from "@tidemark/protocol";
import {
  type IdHex,
  type Oracle,
  Prng,
  type ReplicaProbe,
  type RowVersion,
  uuidv7,
  type WriteOp,
} from "@tidemark/simulator";

const BATCH = 40;
const COLORS = ["red", "green", "blue", "amber"];

export type WorkResult = {
  readonly commits: number;
  readonly changes: number;
  readonly refused: number;
};

export class Workload {
  private readonly rng: Prng;
  /** The same few tag ids on every peer. */
  readonly sharedTags: readonly IdHex[];

  constructor(
    seed: number,
    private readonly oracle: Oracle,
  ) {
    this.rng = new Prng(seed).fork("workload");
    const tags = new Prng(seed).fork("shared-tags");
    this.sharedTags = [0, 1, 2].map(() => idToHex(uuidv7(0, tags)));
  }

  private newId(): IdHex {
    return idToHex(uuidv7(Date.now(), this.rng));
  }

  private async commit(probe: ReplicaProbe, writes: readonly WriteOp[], acc: Acc): Promise<void> {
    if (writes.length === 0) return;
    const r = await probe.commit(writes);
    if (r.kind === "refused") {
      acc.refused++;
      return;
    }
    this.oracle.record(r.batches);
    acc.commits++;
    acc.changes += r.batches.reduce((n, b) => n + b.changes.length, 0);
  }

  /** A fresh location with `entries` entries under one root, in commits of BATCH. */
  async index(probe: ReplicaProbe, self: IdHex, entries: number): Promise<WorkResult> {
    const acc = { commits: 0, changes: 0, refused: 0 };
    const head: WriteOp[] = [];
    let volumeId = (await probe.rows(Resource.VOLUME)).find((r) => r.origin === self)?.id;
    if (volumeId === undefined) {
      volumeId = this.newId();
      head.push({
        resource: Resource.VOLUME,
        id: volumeId,
        fields: {
          name: "disk",
          mountPoint: "/",
          capacityBytes: String(1n << 40n),
          filesystem: "ext4",
        },
      });
    }
    const locationId = this.newId();
    head.push({
      resource: Resource.LOCATION,
      id: locationId,
      fields: { volumeId, path: `/chaos/${this.rng.nextU32().toString(36)}`, name: "chaos" },
    });
    await this.commit(probe, head, acc);
    const dirs: IdHex[] = [];
    for (let made = 0; made < entries; ) {
      const writes: WriteOp[] = [];
      for (; writes.length < BATCH && made < entries; made++) {
        const id = this.newId();
        const isDir = made === 0 || this.rng.chance(0.2);
        const parent =
          made === 0 ? undefined : dirs[dirs.length - 1 - this.rng.int(Math.min(dirs.length, 6))];
        writes.push({
          resource: Resource.ENTRY,
          id,
          fields: {
            locationId,
            ...(parent === undefined ? {} : { parentId: parent }),
            name: made === 0 ? "root" : `${isDir ? "dir" : "file"}-${made}`,
            kind: String(isDir ? EntryKind.DIRECTORY : EntryKind.FILE),
            size: String(isDir ? 0 : this.rng.int(1 << 20)),
            modifiedAtMs: String(Date.now()),
          },
        });
        if (isDir) dirs.push(id);
      }
      await this.commit(probe, writes, acc);
    }
    return acc;
  }

  /** Deletes up to `count` of the peer's own live files. */
  async deleteFiles(probe: ReplicaProbe, self: IdHex, count: number): Promise<WorkResult> {
    const acc = { commits: 0, changes: 0, refused: 0 };
    const file = String(EntryKind.FILE);
    const own = (await probe.rows(Resource.ENTRY)).filter(
      (r) => r.origin === self && r.fields.kind === file,
    );
    const picked = this.pick(own, count);
    await this.commit(
      probe,
      picked.map((r) => ({ resource: Resource.ENTRY, id: r.id, deleted: true })),
      acc,
    );
    return acc;
  }

  /** `count` edits of the shared tags: upserts, deletes, assignments to live entries. */
  async tags(probe: ReplicaProbe, count: number): Promise<WorkResult> {
    const acc = { commits: 0, changes: 0, refused: 0 };
    const entries = await probe.rows(Resource.ENTRY);
    for (let i = 0; i < count; i++) {
      const tag = this.rng.pick(this.sharedTags);
      const r = this.rng.next();
      const entry = entries.length === 0 ? undefined : this.rng.pick(entries);
      const write: WriteOp =
        r < 0.5 || entry === undefined
          ? {
              resource: Resource.TAG,
              id: tag,
              fields: { name: `tag-${this.rng.int(50)}`, color: this.rng.pick(COLORS) },
            }
          : r < 0.65
            ? { resource: Resource.TAG, id: tag, deleted: true }
            : {
                resource: Resource.TAG_ASSIGNMENT,
                id: this.newId(),
                fields: { tagId: tag, entryId: entry.id },
              };
      await this.commit(probe, [write], acc);
    }
    return acc;
  }

  private pick(rows: readonly RowVersion[], count: number): RowVersion[] {
    const pool = [...rows];
    const out: RowVersion[] = [];
    while (out.length < count && pool.length > 0)
      out.push(...pool.splice(this.rng.int(pool.length), 1));
    return out;
  }
}

type Acc = { commits: number; changes: number; refused: number };
