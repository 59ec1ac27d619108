// Executes one scenario step (workload or fault) against the world.
import type { DiskImage } from "../probe/types.js";
import type { Step } from "../scenario.js";
import { WEATHER } from "../weather.js";
import { deleteSubtrees } from "../workloads/delete-subtree.js";
import { indexTree } from "../workloads/index-tree.js";
import { moveSubtrees } from "../workloads/move-subtree.js";
import { collectionEdits, tagEdits } from "../workloads/shared-edits.js";
import type { SimWorld } from "../world.js";
import { planLoseRows, planStaleRows } from "./corruption.js";

/** Applies a step at the current virtual time. Steps on a down device are skipped (and traced). */
export async function applyStep(world: SimWorld, step: Step, index: number): Promise<void> {
  const skip = (why: string) => world.emit("skip", { step: index, op: step.do, why });
  switch (step.do) {
    case "index":
    case "move":
    case "delete":
    case "tags":
    case "collections": {
      const node = world.node(step.dev);
      if (!node.alive) return skip("device down");
      const ctx = world.workContext(step.dev, index);
      if (step.do === "index")
        await indexTree(ctx, {
          entries: step.entries,
          ...(step.batch === undefined ? {} : { batch: step.batch }),
        });
      else if (step.do === "move") await moveSubtrees(ctx, { count: step.count });
      else if (step.do === "delete") await deleteSubtrees(ctx, { count: step.count });
      else if (step.do === "tags") await tagEdits(ctx, { count: step.count });
      else await collectionEdits(ctx, { count: step.count });
      return;
    }
    case "join": {
      const node = world.node(step.dev);
      if (node.member || node.alive) return skip("already a member");
      world.emit("fault", { op: "join", dev: step.dev });
      await world.startNode(step.dev);
      return;
    }
    case "leave": {
      const node = world.node(step.dev);
      if (!node.member) return skip("not a member");
      world.emit("fault", { op: "leave", dev: step.dev });
      node.leave();
      for (const other of world.liveMembers()) other.replica?.removePeer(node.deviceId);
      world.conn.update();
      return;
    }
    case "weather":
      world.emit("fault", { op: "weather", weather: step.weather });
      world.net.setProfileAll(WEATHER[step.weather]);
      return;
    case "partition":
      world.emit("fault", {
        op: step.oneWay ? "partition-one-way" : "partition",
        a: step.a,
        b: step.b,
      });
      world.net.partition(step.a, step.b, step.oneWay ?? false);
      world.conn.update();
      return;
    case "heal":
      world.emit("fault", { op: "heal", a: step.a, b: step.b });
      world.net.heal(step.a, step.b);
      world.conn.update();
      return;
    case "isolate":
      world.emit("fault", { op: "isolate", dev: step.dev });
      for (const other of world.nodes)
        if (other.index !== step.dev) world.net.partition(step.dev, other.index, false);
      world.conn.update();
      return;
    case "clog": {
      world.emit("fault", { op: "clog", a: step.a, b: step.b, bytesPerMs: step.bytesPerMs });
      const l = world.net.link(step.a, step.b);
      l.profile = { ...l.profile, bytesPerMs: step.bytesPerMs };
      return;
    }
    case "crash": {
      const node = world.node(step.dev);
      if (!node.alive) return skip("already down");
      world.emit("fault", { op: "crash", dev: step.dev });
      node.crash();
      world.conn.update();
      return;
    }
    case "restart": {
      const node = world.node(step.dev);
      if (node.alive || !node.member) return skip("not down");
      world.emit("fault", { op: "restart", dev: step.dev });
      await world.startNode(step.dev);
      return;
    }
    case "backup": {
      const node = world.node(step.dev);
      if (!node.alive) return skip("device down");
      world.emit("fault", { op: "backup", dev: step.dev });
      node.backup();
      return;
    }
    case "restore": {
      const node = world.node(step.dev);
      const backup = node.backups[0];
      if (backup === undefined || !node.member) return skip("no backup");
      world.emit("fault", { op: "restore-stale-backup", dev: step.dev, from: backup.at });
      node.crash();
      node.replaceDisk(backup.image);
      world.conn.update();
      await world.startNode(step.dev);
      return;
    }
    case "clock": {
      const node = world.node(step.dev);
      world.emit("fault", {
        op: "clock",
        dev: step.dev,
        skewMs: step.skewMs ?? 0,
        jumpMs: step.jumpMs ?? 0,
        drift: step.drift ?? 0,
        epochZero: step.epochZero ?? false,
      });
      if (
        step.jumpMs !== undefined &&
        step.skewMs === undefined &&
        step.drift === undefined &&
        !step.epochZero
      ) {
        node.clock.jump(step.jumpMs);
      } else {
        node.setClock({
          ...(step.skewMs === undefined ? {} : { skewMs: step.skewMs }),
          ...(step.drift === undefined ? {} : { drift: step.drift }),
          ...(step.epochZero === undefined ? {} : { epochZero: step.epochZero }),
        });
        if (step.jumpMs !== undefined) node.clock.jump(step.jumpMs);
      }
      return;
    }
    case "lose-rows":
    case "stale-rows": {
      const node = world.node(step.dev);
      const probe = node.alive ? node.replica?.probe : undefined;
      if (probe === undefined) return skip("device down");
      const rng = world.rng.fork(`step:${index}`);
      const plan =
        step.do === "lose-rows"
          ? await planLoseRows(probe, node.deviceId, step.count, rng)
          : await planStaleRows(probe, node.deviceId, step.count, rng, world.oracle);
      if (!node.alive) return skip("device down");
      node.crash();
      const r = await world.adapter.corrupt(node.diskImage as DiskImage, plan.damage);
      node.replaceDisk(r.image);
      for (const key of plan.streams) world.safety.taint(step.dev, key);
      world.emit("fault", { op: step.do, dev: step.dev, rows: r.changed });
      world.conn.update();
      await world.startNode(step.dev);
      return;
    }
  }
}
