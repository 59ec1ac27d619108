// B6, the seed's symmetric `!=` trigger: whenever anything about a stream
// differs, each side pushes its own view of the stream to the other (after
// the peer's cursor) instead of pulling what it lacks; nobody pulls. The
// push goes out through the replica's own transport port as a plain
// PushChanges call, fire-and-forget like the seed's.
import { create } from "@bufbuild/protobuf";
import { PushChangesRequestSchema } from "@tidemark/protocol";
import type { DecideEnv, ReplicaParts } from "../../replica-api.js";
import { bytesEqual, idFromHex, toStreamId } from "../../store/ids.js";
import type { Decision, StreamSide } from "../../sync/decide.js";

const PAGE = { maxChanges: 1_000, maxBytes: 1 << 20 };

function pushView(env: DecideEnv, afterSeq: bigint | undefined): void {
  const page = env.store.changesAfter(env.stream, afterSeq, PAGE);
  if (page.changes.length === 0) return;
  const req = create(PushChangesRequestSchema, {
    libraryId: idFromHex(env.libraryId),
    deviceId: idFromHex(env.deviceId),
    batches: [
      {
        stream: toStreamId(env.stream),
        ...(afterSeq === undefined ? {} : { prevSeq: afterSeq }),
        changes: page.changes,
      },
    ],
  });
  env.ports.transport
    .client(env.peer)
    .pushChanges(req)
    .catch(() => {});
}

function differs(local: StreamSide, remote: StreamSide | undefined): boolean {
  return (
    remote === undefined ||
    remote.cursor !== local.cursor ||
    remote.liveCount !== local.liveCount ||
    !bytesEqual(remote.fingerprint, local.fingerprint)
  );
}

export const symmetricRecovery: ReplicaParts = {
  decide({ local, remote }, env): Decision {
    if (local?.cursor === undefined) return { kind: "nothing", reason: "bug-nothing-to-push" };
    if (!differs(local, remote)) return { kind: "nothing", reason: "in-sync" };
    pushView(env, remote?.cursor);
    return { kind: "nothing", reason: "bug-symmetric-pushed" };
  },
};
