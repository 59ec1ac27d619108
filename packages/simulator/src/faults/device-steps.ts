// Device faults: membership, crash/restart, backups and restores (then,
// at once, local writes), clock faults, lying peers and state corruption.
import type { DiskImage } from "../probe/types.js";
import { linked, type Step } from "../scenario.js";
import { tagEdits } from "../workloads/shared-edits.js";
import type { SimWorld } from "../world.js";
import type { Skip } from "./apply-step.js";
import { planLoseRows, planStaleRows } from "./corruption.js";
import { applyForgeStep } from "./forger.js";

export type DeviceStep = Extract<
  Step,
  {
    do:
      | "join"
      | "leave"
      | "crash"
      | "restart"
      | "backup"
      | "restore"
      | "clock"
      | "liar"
      | "forge"
      | "lose-rows"
      | "stale-rows";
  }
>;

export async function applyDeviceStep(
  world: SimWorld,
  step: DeviceStep,
  index: number,
  skip: Skip,
): Promise<void> {
  const node = world.node(step.dev);
  switch (step.do) {
    case "join":
      if (node.member) return skip("already a member");
      world.emit("fault", { op: "join", dev: step.dev });
      if (node.alive) return rejoin(world, step.dev);
      return world.startNode(step.dev);
    case "leave": {
      if (!node.member) return skip("not a member");
      const keep = step.keep === true && node.alive;
      world.emit("fault", { op: "leave", dev: step.dev, ...(keep ? { keep } : {}) });
      node.leave(keep);
      for (const other of world.liveMembers()) {
        other.replica?.removePeer(node.deviceId);
        node.replica?.removePeer(other.deviceId);
        world.exchangeFailures.unpaired(node.index, other.index);
      }
      world.conn.update();
      return;
    }
    case "crash":
      if (!node.alive) return skip("already down");
      world.emit("fault", { op: "crash", dev: step.dev });
      node.crash();
      world.conn.update();
      return;
    case "restart":
      if (node.alive || !node.member) return skip("not down");
      world.emit("fault", { op: "restart", dev: step.dev });
      return world.startNode(step.dev);
    case "backup":
      if (!node.alive) return skip("device down");
      world.emit("fault", { op: "backup", dev: step.dev });
      node.backup();
      return;
    case "restore":
      return restore(world, step, index, skip);
    case "clock":
      return clock(world, step, skip);
    case "liar":
      world.emit("fault", { op: "liar", dev: step.dev, lie: step.lie });
      node.lie = step.lie;
      return;
    case "forge":
      return applyForgeStep(world, step, skip);
    case "lose-rows":
    case "stale-rows":
      return corrupt(world, step, index, skip);
  }
}

/** A device that left keeping its data pairs again with every member it has a link to. */
function rejoin(world: SimWorld, dev: number): void {
  const node = world.node(dev);
  node.member = true;
  for (const other of world.liveMembers()) {
    if (other === node || !linked(world.scenario, dev, other.index)) continue;
    node.replica?.addPeer(other.deviceId);
    other.replica?.addPeer(node.deviceId);
  }
  world.conn.update();
}

/** Restarts a device from one of its backups; `thenWrite` edits follow before any exchange (bug 1). */
async function restore(
  world: SimWorld,
  step: Extract<Step, { do: "restore" }>,
  index: number,
  skip: Skip,
): Promise<void> {
  const node = world.node(step.dev);
  const n = node.backups.length;
  const backup = n === 0 ? undefined : node.backups[(step.which ?? 0) % n];
  if (backup === undefined || !node.member) return skip("no backup");
  world.emit("fault", { op: "restore-stale-backup", dev: step.dev, from: backup.at, of: n });
  node.crash();
  node.replaceDisk(backup.image);
  world.safety.forgetHlc(step.dev);
  world.oracle.forgetWrittenHlc(node.deviceId);
  world.conn.update();
  await world.startNode(step.dev);
  if ((step.thenWrite ?? 0) > 0)
    await tagEdits(world.workContext(step.dev, index), { count: step.thenWrite ?? 0 });
}

function clock(world: SimWorld, step: Extract<Step, { do: "clock" }>, skip: Skip): void {
  const node = world.node(step.dev);
  // A jump sets a running clock back or forth; on a device that never ran
  // there is no reading to carry forward (§12), so it would be an unbounded
  // skew, past what any heal window fits: the jump is dropped there.
  if (step.jumpMs !== undefined && !node.everStarted) {
    const { jumpMs: _, ...rest } = step;
    const onlyJump = !rest.epochZero && !rest.frozen && rest.skewMs === undefined;
    if (onlyJump && rest.drift === undefined) skip("jump on a device that never started");
    else clock(world, rest, skip);
    return;
  }
  world.emit("fault", {
    op: "clock",
    dev: step.dev,
    skewMs: step.skewMs ?? 0,
    jumpMs: step.jumpMs ?? 0,
    drift: step.drift ?? 0,
    epochZero: step.epochZero ?? false,
    frozen: step.frozen ?? false,
    persist: step.persist ?? false,
  });
  node.clockLasts = step.persist === true;
  const onlyJump =
    step.jumpMs !== undefined &&
    step.skewMs === undefined &&
    step.drift === undefined &&
    !step.epochZero &&
    !step.frozen;
  if (!onlyJump) {
    node.setClock({
      ...(step.skewMs === undefined ? {} : { skewMs: step.skewMs }),
      ...(step.drift === undefined ? {} : { drift: step.drift }),
      ...(step.epochZero === undefined ? {} : { epochZero: step.epochZero }),
      ...(step.frozen === undefined ? {} : { frozen: step.frozen }),
    });
  }
  if (step.jumpMs !== undefined) node.clock.jump(step.jumpMs);
}

async function corrupt(
  world: SimWorld,
  step: Extract<Step, { do: "lose-rows" | "stale-rows" }>,
  index: number,
  skip: Skip,
): Promise<void> {
  const node = world.node(step.dev);
  const probe = node.alive ? node.replica?.probe : undefined;
  if (probe === undefined) return skip("device down");
  const rng = world.rng.fork(`step:${index}`);
  const plan =
    step.do === "lose-rows"
      ? await planLoseRows(probe, node.deviceId, step.count, rng, step.own === true)
      : await planStaleRows(probe, node.deviceId, step.count, rng, world.oracle);
  if (!node.alive) return skip("device down");
  node.crash();
  const r = await world.adapter.corrupt(node.diskImage as DiskImage, plan.damage);
  node.replaceDisk(r.image);
  for (const key of plan.streams) world.safety.taint(step.dev, key);
  world.emit("fault", { op: step.do, dev: step.dev, rows: r.changed });
  world.conn.update();
  await world.startNode(step.dev);
}
