// A device indexing a file tree for the engine tests (volume -> location ->
// directories -> files), plus renames, deletes and tags. Keeps its tree in
// memory to pick parents and targets; commits through the cluster so the
// oracle sees every change. Ids are UUIDv7 drawn from the cluster's PRNG.
import { create } from "@bufbuild/protobuf";
import { type CommittedBatch, type LocalWrite, newRowId } from "@tidemark/engine";
import {
  EntryKind,
  EntrySchema,
  LocationSchema,
  Resource,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "@tidemark/protocol";
import type { TestCluster } from "./cluster.js";

export function entryWrite(
  rowId: Uint8Array,
  locationId: Uint8Array,
  parentId: Uint8Array | undefined,
  name: string,
  kind: EntryKind = EntryKind.FILE,
  size = 0n,
): LocalWrite {
  const value = create(EntrySchema, {
    locationId,
    ...(parentId === undefined ? {} : { parentId }),
    name,
    kind,
    size,
    modifiedAtMs: 1_700_000_000_000n,
  });
  return { resource: Resource.ENTRY, rowId, body: { case: "entry", value } };
}

export function tombstoneWrite(resource: Resource, rowId: Uint8Array): LocalWrite {
  return { resource, rowId, body: { case: "tombstone", value: create(TombstoneSchema) } };
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
      {
        resource: Resource.VOLUME,
        rowId: volume,
        body: {
          case: "volume",
          value: create(VolumeSchema, { name, mountPoint: "/", capacityBytes: 1n << 40n }),
        },
      },
      {
        resource: Resource.LOCATION,
        rowId: location,
        body: {
          case: "location",
          value: create(LocationSchema, { volumeId: volume, path: `/${name}`, name }),
        },
      },
      entryWrite(root, location, undefined, "root", EntryKind.DIRECTORY),
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
        writes.push(
          entryWrite(
            id,
            location,
            parent,
            name,
            isDir ? EntryKind.DIRECTORY : EntryKind.FILE,
            size,
          ),
        );
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
      writes.push({
        resource: Resource.TAG,
        rowId: tag,
        body: { case: "tag", value: create(TagSchema, { name: `tag-${this.n++}`, color: "red" }) },
      });
      const file = this.files[this.cluster.random.int(Math.max(1, this.files.length))];
      if (file !== undefined) {
        writes.push({
          resource: Resource.TAG_ASSIGNMENT,
          rowId: this.id(),
          body: {
            case: "tagAssignment",
            value: create(TagAssignmentSchema, { tagId: tag, entryId: file }),
          },
        });
      }
    }
    this.commit(writes);
  }

  private requireLocation(): Uint8Array {
    if (this.locationId === undefined) throw new Error("TreeIndexer.init() first");
    return this.locationId;
  }
}
