// The alter-rows liar forges other origins' rows only: its own rows, altered,
// are its own writes, which its direct peers store by design (PROTOCOL §16
// SG-8). Altering them made `nothing-forged-stored` fail on a correct
// engine (`pnpm sim:soak --seed 1 --only 6`, a liar that also indexed).
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  ChangeSchema,
  EntrySchema,
  type SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import { lyingService } from "./liar.js";

type Service = ServiceImpl<typeof SyncService>;

function page(device: number): BackfillResponse {
  return create(BackfillResponseSchema, {
    stream: { origin: Uint8Array.from(Buffer.from(deviceIdOf(device), "hex")), resource: 4 },
    changes: [
      create(ChangeSchema, {
        seq: 1n,
        body: { case: "entry", value: create(EntrySchema, { name: "real" }) },
      }),
    ],
  });
}

async function served(liar: number, pages: BackfillResponse[]): Promise<string[]> {
  const honest = {
    backfill: async function* () {
      yield* pages;
    },
  } as unknown as Service;
  const lying = lyingService(honest, "alter-rows", liar);
  const names: string[] = [];
  const out = lying.backfill({} as never, {} as never) as AsyncIterable<BackfillResponse>;
  for await (const p of out)
    for (const c of p.changes) names.push(c.body.case === "entry" ? c.body.value.name : "");
  return names;
}

describe("liar alter-rows", () => {
  test("alter-rows forges another origin's rows and leaves the liar's own stream as written", async () => {
    expect(await served(2, [page(2), page(5)])).toEqual(["real", "forged"]);
  });
});
