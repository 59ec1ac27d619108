// Network faults: weather, partitions and heals, isolation, clogged links
// and one link's own behaviour. Pairs outside the scenario's topology have
// no link to heal.
import { linked, type Step } from "../scenario.js";
import { WEATHER } from "../weather.js";
import type { SimWorld } from "../world.js";
import type { Skip } from "./apply-step.js";

export type NetworkStep = Extract<
  Step,
  { do: "weather" | "partition" | "heal" | "isolate" | "clog" | "link" | "late-parents" }
>;

export function applyNetworkStep(world: SimWorld, step: NetworkStep, skip: Skip): void {
  switch (step.do) {
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
      if (!linked(world.scenario, step.a, step.b)) {
        skip("no link in the topology");
        return;
      }
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
    case "late-parents":
      world.emit("fault", { op: "late-parents", a: step.a, b: step.b, delayMs: step.delayMs });
      world.lateParents.set(`${step.a}>${step.b}`, step.delayMs);
      return;
    case "link": {
      world.emit("fault", {
        op: step.oneWay ? "link-one-way" : "link",
        a: step.a,
        b: step.b,
        latencyMs: step.latencyMs ?? -1,
        loss: step.loss ?? -1,
        bytesPerMs: step.bytesPerMs ?? -1,
      });
      const set = (from: number, to: number) => {
        const l = world.net.link(from, to);
        const lasting = {
          ...(step.latencyMs === undefined ? {} : { latencyMs: step.latencyMs }),
          ...(step.bytesPerMs === undefined ? {} : { bytesPerMs: step.bytesPerMs }),
        };
        l.profile = {
          ...l.profile,
          ...lasting,
          ...(step.loss === undefined ? {} : { loss: step.loss }),
        };
        if (step.persist === true) world.lastingLinks.set(`${from}>${to}`, lasting);
      };
      set(step.a, step.b);
      if (step.oneWay !== true) set(step.b, step.a);
      return;
    }
  }
}
