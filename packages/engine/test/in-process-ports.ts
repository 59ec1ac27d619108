// Ports for tests that run real replicas in one process on real time: the
// wall and monotonic clocks, timers, and a transport that calls the other
// replica's service handlers directly (Connect's router transport). Kept
// outside src/, whose sources must stay sans-IO (src/no-io.test.ts).
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { SyncService } from "@tidemark/protocol";
import type { Ports, TimerHandle } from "../src/ports.js";

export function inProcessPorts(
  serviceOf: (peer: string) => ServiceImpl<typeof SyncService>,
  opts: { readonly hostTimeoutMs?: number } = {},
): Ports {
  const handles = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;
  return {
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    timers: {
      set(ms, fn): TimerHandle {
        const id = next++;
        const fire = () => {
          handles.delete(id);
          fn();
        };
        handles.set(id, setTimeout(fire, ms));
        return { id };
      },
      cancel(h) {
        clearTimeout(handles.get(h.id));
        handles.delete(h.id);
      },
    },
    random: { next: () => Math.random() },
    logger: { log: () => {} },
    transport: {
      client(peer) {
        const impl = serviceOf(peer);
        // A host's deadline on every call, as node-peer's transport sets one.
        const transport = createRouterTransport(({ service }) => service(SyncService, impl), {
          transport:
            opts.hostTimeoutMs === undefined ? {} : { defaultTimeoutMs: opts.hostTimeoutMs },
        });
        return createClient(SyncService, transport);
      },
    },
  };
}
