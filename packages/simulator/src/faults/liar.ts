// A lying peer (a byzantine test hook): its Backfill answers are rewritten
// on the way out while its replica stays honest inside. Duplicated,
// reordered and over-claimed pages must be refused or survived by an honest
// puller (PROTOCOL §5); dropped pages are withholding, which a paired relay
// may do (DESIGN §8) and a later reconcile repairs; altered rows are
// forgery, which only signatures can stop.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  ChangeSchema,
  EntrySchema,
  type SyncService,
} from "@tidemark/protocol";
import type { Lie } from "../scenario.js";

type Service = ServiceImpl<typeof SyncService>;

/** Lies that leave the receiver holding less than its cursor claims (it is exempt from safety until repaired). */
export const WITHHOLDING: ReadonlySet<Lie> = new Set(["drop-pages", "alter-rows"]);

/** How far an over-claimed page pushes complete_through past the truth. */
const OVER_CLAIM = 1_000n;

async function* rewrite(
  pages: AsyncIterable<BackfillResponse>,
  lie: Lie,
): AsyncGenerator<BackfillResponse> {
  let held: BackfillResponse | undefined;
  let n = 0;
  for await (const page of pages) {
    n++;
    switch (lie) {
      case "duplicate-pages":
        yield page;
        yield page;
        break;
      case "reorder-pages":
        // Pairs swapped: each odd page waits for the next one.
        if (held === undefined && !page.streamDone) held = page;
        else {
          yield page;
          if (held !== undefined) yield held;
          held = undefined;
        }
        break;
      case "drop-pages":
        if (n % 3 !== 2 || page.streamDone) yield page;
        break;
      case "over-claim":
        yield page.completeThrough === undefined
          ? page
          : create(BackfillResponseSchema, {
              ...page,
              completeThrough: page.completeThrough + OVER_CLAIM,
            });
        break;
      case "alter-rows":
        yield create(BackfillResponseSchema, {
          ...page,
          changes: page.changes.map((c) =>
            c.body.case === "entry"
              ? create(ChangeSchema, {
                  ...c,
                  body: {
                    case: "entry",
                    value: create(EntrySchema, { ...c.body.value, name: "forged" }),
                  },
                })
              : c,
          ),
        });
        break;
    }
  }
  if (held !== undefined) yield held;
}

/** `service` with its Backfill answers rewritten by `lie`. */
export function lyingService(service: Service, lie: Lie): Service {
  return {
    ...service,
    backfill: (req, ctx) =>
      rewrite(service.backfill(req, ctx) as AsyncIterable<BackfillResponse>, lie),
  };
}
