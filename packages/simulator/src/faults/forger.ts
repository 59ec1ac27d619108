// A forging paired device (PROTOCOL.md §15-16): it pushes, as itself, rows
// it did not write — a third origin's, the receiver's own, a signed
// tombstone of a row another origin owns, a row without a signature — or,
// on its own stream, a new directory held for a missing location under an
// existing directory, then that directory moved under the held one (a
// cycle only the held version closes). The receiver must refuse each one;
// the property nothing-forged-stored checks that none was kept.
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { idToHex } from "@tidemark/engine";
import {
  type Change,
  ChangeSchema,
  changeSigningBytes,
  DeviceSchema,
  EntryKind,
  EntrySchema,
  PushChangesRequestSchema,
  Resource,
  TagSchema,
  TombstoneSchema,
} from "@tidemark/protocol";
import { deviceIdOf, devicePublicKeyOf, LIBRARY_ID, signAs } from "../ids.js";
import type { Forgery, Step } from "../scenario.js";
import type { SimWorld } from "../world.js";
import type { Skip } from "./apply-step.js";

const hexBytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));
const LIBRARY = hexBytes(LIBRARY_ID);
// Placeholder until the batch is aimed (aimAt): the seq right after the
// target's cursor, so the push is well formed and reaches the origin,
// ownership and signature checks instead of being refused as out of order.
const UNAIMED_SEQ = 1n;

type Target = {
  readonly origin: number | string;
  readonly resource: Resource;
  change: Change;
  /** Changes after `change` in the same batch, at the next seqs. */
  readonly next?: readonly Change[];
};

/** Forgeries on the pusher's own stream that only the store can judge (acked DROPPED). */
const REFUSED_BY_STORE: ReadonlySet<Forgery> = new Set<Forgery>([
  "cyclic-held",
  "cross-origin-parent",
  "self-parent",
  "root-under-child",
]);

export async function applyForgeStep(
  world: SimWorld,
  step: Extract<Step, { do: "forge" }>,
  skip: Skip,
): Promise<void> {
  const { dev, target } = step;
  if (dev === target) return skip("forger and target are one device");
  if (target >= world.scenario.devices) return skip("no such target");
  const node = world.node(target);
  if (!node.alive || node.replica === undefined) return skip("target down");
  const made = await forgery(world, step.forgery, dev, target);
  if (made === undefined) return skip("nothing to forge against");
  const origin = typeof made.origin === "number" ? deviceIdOf(made.origin) : made.origin;
  const prevSeq = await cursorAt(world, target, origin, made.resource);
  const forged = aimAt(made, origin, prevSeq, step.forgery === "unsigned" ? undefined : dev);
  world.emit("fault", { op: "forge", dev, target, forgery: step.forgery });
  const req = create(PushChangesRequestSchema, {
    libraryId: LIBRARY,
    deviceId: hexBytes(deviceIdOf(dev)),
    batches: [
      {
        stream: { origin: hexBytes(origin), resource: forged.resource },
        ...(prevSeq === undefined ? {} : { prevSeq }),
        changes: [forged.change, ...(forged.next ?? [])],
        originKey: devicePublicKeyOf(dev),
      },
    ],
  });
  for (const c of [forged.change, ...(forged.next ?? [])]) {
    world.pushes.ignore(dev, target, idToHex(c.rowId), c.seq);
    world.requests.forgedPush(dev, target, idToHex(c.rowId));
  }
  // AU-6 holds for forged origins and signatures, and the protocol's validator
  // refuses malformed changes; a cycle or a reference across origins on the
  // pusher's own stream is refused by the store like any rejected change (DROPPED).
  if (!REFUSED_BY_STORE.has(step.forgery))
    world.answers.forgedPush(dev, target, idToHex(forged.change.rowId));
  // Refused or not, the push is fire-and-forget: the property judges what was stored.
  // It is the harness's request, not the forger's engine's (no Hello before it).
  void world
    .asHarness(dev, () => world.clientOf(dev, target).pushChanges(req))
    .then(
      () => world.emit("forge-result", { dev, target, forgery: step.forgery, refused: false }),
      (err: unknown) =>
        world.emit("forge-result", {
          dev,
          target,
          forgery: step.forgery,
          refused: true,
          error: ConnectError.from(err).rawMessage,
        }),
    );
}

async function forgery(
  world: SimWorld,
  kind: Forgery,
  dev: number,
  target: number,
): Promise<Target | undefined> {
  const tag = (name: string): Change =>
    create(ChangeSchema, {
      rowId: hexBytes(`f0${dev.toString(16).padStart(2, "0")}${"0".repeat(28)}`),
      seq: UNAIMED_SEQ,
      hlc: BigInt(world.sched.now + 1) << 16n,
      body: { case: "tag", value: create(TagSchema, { name, color: "#000000" }) },
    });
  switch (kind) {
    case "other-origin": {
      const third = [0, 1, 2, 3, 4, 5].find((i) => i !== dev && i !== target) ?? target;
      return signedBy(dev, { origin: third, resource: Resource.TAG, change: tag("other-origin") });
    }
    case "receivers-stream":
      return signedBy(dev, { origin: target, resource: Resource.TAG, change: tag("receivers") });
    case "unsigned":
      return { origin: dev, resource: Resource.TAG, change: tag("unsigned") };
    case "forged-tombstone": {
      const rows = await world.node(target).replica?.probe.rows();
      const own = deviceIdOf(dev);
      const victim = rows?.find(
        (r) =>
          r.origin !== own &&
          (r.resource === Resource.LOCATION ||
            r.resource === Resource.VOLUME ||
            r.resource === Resource.ENTRY),
      );
      if (victim === undefined) return undefined;
      const change = create(ChangeSchema, {
        rowId: hexBytes(victim.id),
        seq: UNAIMED_SEQ,
        body: { case: "tombstone", value: create(TombstoneSchema) },
      });
      return signedBy(dev, { origin: dev, resource: victim.resource, change });
    }
    case "cyclic-held":
      return cyclicThroughHeld(world, dev, target);
    case "zero-hlc":
      return { origin: dev, resource: Resource.TAG, change: { ...tag("zero-hlc"), hlc: 0n } };
    case "foreign-device-row": {
      // A device no one has paired yet: the receiver holds no row of it.
      const change = create(ChangeSchema, {
        rowId: hexBytes(deviceIdOf(world.scenario.devices + dev)),
        seq: UNAIMED_SEQ,
        body: {
          case: "device",
          value: create(DeviceSchema, { name: "forged", os: "x", hostname: "x" }),
        },
      });
      return { origin: dev, resource: Resource.DEVICE, change };
    }
    case "cross-origin-parent":
      return underOtherOrigin(world, dev, target);
    case "self-parent":
    case "root-under-child":
      return loopingEntry(world, kind, dev, target);
  }
}

/**
 * On the forger's own entry stream: a new directory X whose location the
 * target lacks (so X is held for it) under the forger's directory Y, then
 * Y moved under X. Each alone is well formed; together Y would become its
 * own ancestor once X is released.
 */
async function cyclicThroughHeld(
  world: SimWorld,
  dev: number,
  target: number,
): Promise<Target | undefined> {
  const rows = await world.node(target).replica?.probe.rows(Resource.ENTRY);
  const own = deviceIdOf(dev);
  const y = rows?.find(
    (r) => r.origin === own && !r.deleted && r.fields.kind === DIR && r.fields.parentId,
  );
  if (y === undefined) return undefined;
  const f = y.fields;
  const modifiedAtMs = BigInt(f.modifiedAtMs ?? 0);
  const x = `f1${hexOf(dev)}${"0".repeat(28)}`;
  const missingLocation = `f2${hexOf(dev)}${"0".repeat(28)}`;
  const change = entryChange(x, {
    locationId: missingLocation,
    parentId: y.id,
    name: "forged-x",
    modifiedAtMs,
  });
  const moved = entryChange(y.id, {
    locationId: f.locationId ?? missingLocation,
    parentId: x,
    name: f.name ?? "y",
    modifiedAtMs,
  });
  return { origin: dev, resource: Resource.ENTRY, change, next: [moved] };
}

/**
 * On the forger's own entry stream: a new directory in a directory of another
 * origin the receiver holds (so it is refused at once, never held). A hard
 * reference never crosses origins (PROTOCOL.md §3.3).
 */
async function underOtherOrigin(
  world: SimWorld,
  dev: number,
  target: number,
): Promise<Target | undefined> {
  const rows = await world.node(target).replica?.probe.rows(Resource.ENTRY);
  const own = deviceIdOf(dev);
  const d = rows?.find(
    (r) => r.origin !== own && !r.deleted && r.fields.kind === DIR && r.fields.locationId,
  );
  if (d === undefined) return undefined;
  const change = entryChange(`f3${hexOf(dev)}${"0".repeat(28)}`, {
    locationId: d.fields.locationId ?? "",
    parentId: d.id,
    name: "forged-child",
  });
  return { origin: dev, resource: Resource.ENTRY, change };
}

/**
 * On the forger's own entry stream, a change whose parent links can only
 * loop (RF-3): a new directory that is its own parent (`self-parent`), or
 * one of its location roots moved under a directory inside it
 * (`root-under-child`). Both name rows the receiver holds.
 */
async function loopingEntry(
  world: SimWorld,
  kind: "self-parent" | "root-under-child",
  dev: number,
  target: number,
): Promise<Target | undefined> {
  const rows = (await world.node(target).replica?.probe.rows(Resource.ENTRY)) ?? [];
  const own = deviceIdOf(dev);
  const dirs = rows.filter((r) => r.origin === own && !r.deleted && r.fields.kind === DIR);
  const child = dirs.find((c) =>
    dirs.some((r) => !r.fields.parentId && c.fields.parentId === r.id),
  );
  const root = dirs.find((r) => !r.fields.parentId && r.id === child?.fields.parentId);
  if (child === undefined || root === undefined) return undefined;
  const locationId = root.fields.locationId ?? "";
  const id = kind === "self-parent" ? `f4${hexOf(dev)}${"0".repeat(28)}` : root.id;
  const parentId = kind === "self-parent" ? id : child.id;
  const change = entryChange(id, { locationId, parentId, name: root.fields.name ?? kind });
  return { origin: dev, resource: Resource.ENTRY, change };
}

const DIR = String(EntryKind.DIRECTORY);
const hexOf = (dev: number) => dev.toString(16).padStart(2, "0");

/** A directory's entry change at the placeholder seq. */
function entryChange(
  id: string,
  f: { locationId: string; parentId: string; name: string; modifiedAtMs?: bigint },
): Change {
  return create(ChangeSchema, {
    rowId: hexBytes(id),
    seq: UNAIMED_SEQ,
    body: {
      case: "entry",
      value: create(EntrySchema, {
        locationId: hexBytes(f.locationId),
        parentId: hexBytes(f.parentId),
        name: f.name,
        kind: EntryKind.DIRECTORY,
        size: 0n,
        modifiedAtMs: f.modifiedAtMs ?? 0n,
      }),
    },
  });
}

/** The target's cursor of a stream, undefined if it holds none. */
async function cursorAt(
  world: SimWorld,
  target: number,
  origin: string,
  resource: Resource,
): Promise<bigint | undefined> {
  const marks = (await world.node(target).replica?.probe.watermarks()) ?? [];
  return marks.find((w) => w.stream.origin === origin && w.stream.resource === resource)?.cursor;
}

/** Moves the forged changes to the seqs after `prevSeq`, signed again by `signer` (none: unsigned). */
function aimAt(t: Target, origin: string, prevSeq: bigint | undefined, signer?: number): Target {
  let seq = prevSeq ?? 0n;
  for (const c of [t.change, ...(t.next ?? [])]) c.seq = ++seq;
  return signer === undefined ? t : signedBy(signer, { ...t, origin });
}

/** Signs `t`'s changes with device `by`'s key, for the stream `t` names. */
function signedBy(by: number, t: Target): Target {
  const origin = typeof t.origin === "number" ? deviceIdOf(t.origin) : t.origin;
  for (const c of [t.change, ...(t.next ?? [])])
    c.signature = signAs(by, changeSigningBytes(LIBRARY, hexBytes(origin), t.resource, c));
  return t;
}
