// Workloads for tests and the simulator: a device indexing a file tree
// (volume -> location -> directories -> files), tags and tag assignments.
// Ids are UUIDv7-shaped and drawn from the given seeded PRNG.
import { create } from "@bufbuild/protobuf";
import { EntryKind, EntrySchema, Resource } from "@tidemark/protocol";
import type { Replica } from "../replica-api.js";
import { newRowId } from "../store/ids.js";
import type { LocalWrite } from "../store/store-api.js";
import {
  entryWrite,
  locationWrite,
  tagAssignmentWrite,
  tagWrite,
  tombstoneWrite,
  volumeWrite,
} from "../store/testing.js";
import type { SeededRandom } from "./prng.js";

type Committer = Pick<Replica, "commit">;

/** One device's indexer: keeps its tree in memory to pick parents and targets. */
export class TreeIndexer {
  readonly dirs: Uint8Array[] = [];
  readonly files: Uint8Array[] = [];
  readonly tags: Uint8Array[] = [];
  private locationId: Uint8Array | undefined;
  private n = 0;

  constructor(
    private readonly replica: Committer,
    private readonly random: SeededRandom,
    private readonly now: () => number,
  ) {}

  private id(): Uint8Array {
    return newRowId(this.now(), () => this.random.next());
  }

  /** Volume, location and root directory, in one commit. */
  init(name = "vol"): void {
    const volume = this.id();
    const location = this.id();
    const root = this.id();
    this.locationId = location;
    this.replica.commit([
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
        const parent = this.dirs[this.random.int(0, this.dirs.length - 1)] as Uint8Array;
        const id = this.id();
        const isDir = this.random.chance(0.125);
        const name = `${isDir ? "dir" : "file"}-${this.n++}`;
        const w = entryWrite(id, location, parent, name, BigInt(this.random.int(0, 1 << 20)));
        if (isDir && w.body.case === "entry") {
          writes.push({
            ...w,
            body: {
              case: "entry",
              value: create(EntrySchema, { ...w.body.value, kind: EntryKind.DIRECTORY }),
            },
          });
          this.dirs.push(id);
        } else {
          writes.push(w);
          this.files.push(id);
        }
      }
      this.replica.commit(writes);
    }
  }

  /** Renames `count` random files (same row, new version). */
  rename(count: number): void {
    const location = this.requireLocation();
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count && this.files.length > 0; i++) {
      const id = this.files[this.random.int(0, this.files.length - 1)] as Uint8Array;
      writes.push(entryWrite(id, location, this.dirs[0], `renamed-${this.n++}`));
    }
    if (writes.length > 0) this.replica.commit(writes);
  }

  /** Deletes `count` random files (tombstones). */
  deleteFiles(count: number): void {
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count && this.files.length > 0; i++) {
      const k = this.random.int(0, this.files.length - 1);
      const [id] = this.files.splice(k, 1);
      writes.push(tombstoneWrite(Resource.ENTRY, id as Uint8Array));
    }
    if (writes.length > 0) this.replica.commit(writes);
  }

  /** Creates `count` tags and assigns each to a random file. */
  tagFiles(count: number): void {
    const writes: LocalWrite[] = [];
    for (let i = 0; i < count; i++) {
      const tag = this.id();
      this.tags.push(tag);
      writes.push(tagWrite(tag, `tag-${this.n++}`));
      const file = this.files[this.random.int(0, Math.max(0, this.files.length - 1))];
      if (file !== undefined) writes.push(tagAssignmentWrite(this.id(), tag, file));
    }
    if (writes.length > 0) this.replica.commit(writes);
  }

  private requireLocation(): Uint8Array {
    if (this.locationId === undefined) throw new Error("TreeIndexer.init() first");
    return this.locationId;
  }
}
