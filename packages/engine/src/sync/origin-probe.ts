// The origin probe (PROTOCOL §3.7 rule 2c, OR-5). A pull of an origin's own
// stream, cut with holes, can finish only from a source holding all it
// applied; an origin holding unconfirmed changes lists the stream with no
// cursor, and one that restarted since never saw our pull, so it waits on
// us while we wait on it. A Backfill of the stream after every seq we
// applied shows the origin our pull: if it holds all of that, it stops
// waiting, confirms, lists a cursor again and our pull resumes as usual.
// The answer is read and dropped: its pages, if any, start above rows we
// may lack, so they never continue the pull.
import { create } from "@bufbuild/protobuf";
import { BackfillRequestSchema, PageStatus } from "@tidemark/protocol";
import type { StreamKey } from "../store/store-api.js";
import { errorText, type SyncContext, seqField } from "./context.js";
import { streamIdFromKey, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

type Due = { next: number; waitMs: number };

/** When each probe may be sent again: a capped exponential backoff per key. */
export class ProbeTimes {
  private readonly due = new Map<string, Due>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** True (and the next probe of `id` put off) when one is due at `now`. */
  take(id: string, now: number): boolean {
    const d = this.due.get(id);
    if (d !== undefined && now < d.next) return false;
    const waitMs = d === undefined ? this.baseMs : Math.min(d.waitMs * 2, this.maxMs);
    this.due.set(id, { next: now + waitMs, waitMs });
    return true;
  }

  /** No probe of `id` is owed any more: the next one, if ever, goes at once. */
  forget(id: string): void {
    if (this.due.size > 0) this.due.delete(id);
  }
}

/** Probes of origins we are stuck mid-pull of (one per peer and stream, backed off). */
export class OriginProbes {
  private readonly times: ProbeTimes;

  constructor(private readonly ctx: SyncContext) {
    this.times = new ProbeTimes(ctx.config.backoffBaseMs, ctx.config.backoffMaxMs);
  }

  /** True (and the next probe put off) when a probe of `key` from `peer` is due now. */
  take(peer: string, key: string): boolean {
    return this.times.take(`${peer} ${key}`, this.ctx.ports.clock.monotonic());
  }

  /** No probe is owed any more (the pull finished, or the origin lists a cursor). */
  settle(peer: string, key: string): void {
    this.times.forget(`${peer} ${key}`);
  }

  /** Sends the probe in the background; its failure only waits for the next one. */
  send(source: PeerSync, stream: StreamKey, afterSeq: bigint | undefined): void {
    const { ctx } = this;
    const key = streamKeyString(stream);
    ctx.metrics.inc("tidemark_origin_probes_total", { peer: source.peer, stream: key });
    ctx.work.spawn(
      async () => {
        let status: string;
        try {
          status = await probeOrigin(ctx, source, stream, afterSeq);
        } catch (err) {
          status = `failed: ${errorText(err)}`;
        }
        ctx.log(
          "info",
          {
            event: "origin-probed",
            peer: source.peer,
            stream: key,
            afterSeq: seqField(afterSeq),
            status,
          },
          "mid-pull of a stream its origin lists with no cursor: asked the origin anyway",
        );
      },
      (err) =>
        ctx.log(
          "error",
          { event: "internal-error", error: errorText(err) },
          "origin probe crashed",
        ),
    );
  }
}

/** One Backfill of one small page; returns the first page's status. */
async function probeOrigin(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  afterSeq: bigint | undefined,
): Promise<string> {
  if (source.owesHello) await source.helloAgain(); // ER-5
  const deadline = source.deadline("backfill-probe");
  try {
    const request = create(BackfillRequestSchema, {
      libraryId: ctx.libraryIdBytes,
      deviceId: ctx.deviceIdBytes,
      streams: [{ stream: streamIdFromKey(stream), afterSeq }],
      maxChangesPerPage: 1,
      maxPageBytes: 1,
    });
    const pages = source.client().backfill(request, { signal: deadline.signal });
    for await (const page of pages) return PageStatus[page.status] ?? String(page.status);
    return "no-page";
  } finally {
    // Whatever else it would stream is not wanted.
    deadline.abort(new Error("origin probe done"));
    source.release(deadline);
  }
}
