// The load side of bench/backfill-load.ts, in its own process so its page
// decoding does not slow the Hello probes of the measuring process:
// `tsx bench/load-clients.ts URL LIBRARY_HEX CLIENTS` runs CLIENTS full
// Backfills of every stream the peer holds, each on its own HTTP/2
// connection and device id, and prints one JSON line of timings.
import { performance } from "node:perf_hooks";
import { ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorReason } from "@tidemark/protocol";
import { fromHex, uuidv7 } from "../src/ids.js";
import { createSyncClient } from "../src/transport.js";

const [url, libraryHex, clientsText] = process.argv.slice(2);
if (url === undefined || libraryHex === undefined) {
  process.stderr.write("usage: load-clients URL LIBRARY_HEX CLIENTS\n");
  process.exit(2);
}
const library = fromHex(libraryHex);
const clients = Number(clientsText ?? "1");

async function fullBackfill(): Promise<{ ms: number; changes: number; refused: number }> {
  const client = createSyncClient(url as string);
  const deviceId = uuidv7();
  const { watermarks } = await client.exchangeWatermarks({
    libraryId: library,
    deviceId,
    watermarks: [],
  });
  const streams = watermarks.flatMap((w) => (w.stream === undefined ? [] : [{ stream: w.stream }]));
  const t0 = performance.now();
  let refused = 0;
  for (;;) {
    let changes = 0;
    try {
      for await (const page of client.backfill({ libraryId: library, deviceId, streams })) {
        changes += page.changes.length;
      }
      return { ms: performance.now() - t0, changes, refused };
    } catch (err) {
      const reason =
        err instanceof ConnectError ? err.findDetails(ErrorDetailSchema)[0]?.reason : undefined;
      if (reason !== ErrorReason.RATE_LIMITED) throw err;
      refused++;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const t0 = performance.now();
const runs = await Promise.all(Array.from({ length: clients }, fullBackfill));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, runs })}\n`);
