// B3, the seed's ownership filter: "changes of origin O after seq S"
// returns no rows, yet the page says the stream is complete through the
// cursor, so a puller's cursor jumps over everything it never received.
import { create } from "@bufbuild/protobuf";
import { BackfillResponseSchema, PageStatus } from "@tidemark/protocol";
import type { ReplicaParts } from "../../replica-api.js";
import { delegateStore } from "./delegate-store.js";

export const ownershipFilterEmpty: ReplicaParts = {
  store: (inner) =>
    delegateStore(inner, {
      changesAfter(stream, afterSeq, limits) {
        const page = inner.changesAfter(stream, afterSeq, limits);
        if (page.status !== PageStatus.OK) return page;
        const cursor = inner.streamState(stream)?.cursor;
        return create(BackfillResponseSchema, {
          ...(page.stream === undefined ? {} : { stream: page.stream }),
          status: PageStatus.OK,
          ...(cursor === undefined ? {} : { completeThrough: cursor }),
          streamDone: true,
        });
      },
    }),
};
