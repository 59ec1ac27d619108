// A device indexing a file tree for the engine tests (volume -> location ->
// directories -> files), plus renames, deletes and tags. Keeps its tree in
// memory to pick parents and targets; commits through the cluster so the
// oracle sees every change. Ids are UUIDv7 drawn from the cluster's PRNG.
import { create } from "@bufbuild/protobuf";
import { type CommittedBatch, type LocalWrite, newRowId } from "@tidemark/engine";
import {
  entryWrite,
  locationWrite,
  tagAssignmentWrite,
  tagWrite,
  tombstoneWrite,
  volumeWrite,
} from "@tidemark/engine/testing";
import { EntryKind, EntrySchema, Resource } from "@tidemark/protocol";
import type { TestCluster } from "./cluster.js";

/** An entry under `parent`, a directory or a file. */
function childWrite(
  id: Uint8Array,
  location: Uint8Array,
  parent: Uint8Array,
  name: string,
  dir: boolean,
  size: bigint,
) {
  const w = entryWrite(id, location, parent, name, size);
  if (!dir || w.body.case !== "entry") return w;
  return {
    ...w,
    body: {
      case: "entry",
      value: create(EntrySchema, { ...w.body.value, kind: EntryKind.DIRECTORY }),
    },
  } as LocalWrite;
}

export class TreeIndexer {
  readonly dirs: Uint8Array[] = [];
  readonly files: Uint8Array[] = [];
  readonly tags: Uint8Array[] = [];
  private locationId: Uint8Array | undefined;
  private n = 0;

  /** Commits go to `commit` (default: device `index` of the cluster, recorded by the oracle). */
  constructor(
    private readonly cluster: TestCluster,
    readonly device: number,
    private readonly commitFn: (w: LocalWrite[]) => CommittedBatch[] = (w) =>
      cluster.commit(device, w),
  ) {}

  private id(): Uint8Array {
    return newRowId(this.cluster.now(), () => this.cluster.random.next());
  }

  private commit(writes: LocalWrite[]): void {
    if (writes.length > 0) this.commitFn(writes);
  }

  /** Volume, location and root directory, in one commit. */
  init(name = "vol"): void {
    const volume = this.id();
    const location = this.id();
    const root = this.id();
    this.locationId = location;
    this.commit([
      volumeWrite(volume, name),
      locationWrite(location, volume, `/${name}`),
      entryWrite(root, location, undefined, "root"),
    ]);
    this.dirs.push(root);
  }

  /** Indexes `count` entries (about 1 in 8 a directory), in commits of `batch`. */
  index(count: number, batch = 100): void {
    const location = this.requireLocation();
    for (let done = 0; done < count; ) {
      const writes: LocalWrite[] = [];
      for (let i = 0; i < batch && done < count; i++, done++) {
        const parent = this.dirs[this.cluster.random.int(this.dirs.length)] as Uint8Array;
        const id = this.id();
        const isDir = this.cluster.random.chance(0.125);
        const name = `${isDir ? "dir" : "file"}-${this.n++}`;
        const size = BigInt(this.cluster.random.int(1 << 20));
        writes.push(childWrite(id, location, parent, name, isDir, size));
        (isDir ? this.dirs : this.files).push(id);
      }
      this.commit(writes);
    }
  }

  /** Renames `count` random files (same row, new version, moved under the root). */
  rename(count: number): void {
    const location = this.requireLocation();
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count && this.files.length > 0; i++) {
      const id = this.files[this.cluster.random.int(this.files.length)] as Uint8Array;
      writes.push(entryWrite(id, location, this.dirs[0], `renamed-${this.n++}`));
    }
    this.commit(writes);
  }

  /** Deletes `count` random files (tombstones). */
  deleteFiles(count: number): void {
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count && this.files.length > 0; i++) {
      const [id] = this.files.splice(this.cluster.random.int(this.files.length), 1);
      writes.push(tombstoneWrite(Resource.ENTRY, id as Uint8Array));
    }
    this.commit(writes);
  }

  /** Creates `count` tags and assigns each to a random file. */
  tagFiles(count: number): void {
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count; i++) {
      const tag = this.id();
      this.tags.push(tag);
      writes.push(tagWrite(tag, `tag-${this.n++}`));
      const file = this.files[this.cluster.random.int(Math.max(1, this.files.length))];
      if (file !== undefined) writes.push(tagAssignmentWrite(this.id(), tag, file));
    }
    this.commit(writes);
  }

  private requireLocation(): Uint8Array {
    if (this.locationId === undefined) throw new Error("TreeIndexer.init() first");
    return this.locationId;
  }
}
