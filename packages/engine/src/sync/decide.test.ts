import { fc, test as ftest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { type DecideInput, decideStream, type LocalSide, type StreamSide } from "./decide.js";

const fp = (n: number) => new Uint8Array(16).fill(n);
const remote = (
  cursor: bigint | undefined,
  f = 1,
  extra: Partial<StreamSide> = {},
): StreamSide => ({
  cursor,
  liveCount: 10n,
  fingerprint: fp(f),
  tombstoneHorizon: undefined,
  ...extra,
});
const local = (cursor: bigint | undefined, f = 1, extra: Partial<LocalSide> = {}): LocalSide => ({
  ...remote(cursor, f),
  pulling: false,
  maxAppliedSeq: cursor,
  ...extra,
});
const decide = (i: Partial<DecideInput>) =>
  decideStream({ local: undefined, remote: undefined, ownStream: false, ...i });

describe("decideStream (correct engine)", () => {
  test.each([
    ["peer holds no cursor", { local: local(5n), remote: remote(undefined) }, "nothing"],
    ["peer did not list the stream", { local: local(5n) }, "nothing"],
    ["we hold nothing, peer has a cursor", { remote: remote(7n) }, "pull"],
    ["peer ahead", { local: local(5n), remote: remote(9n) }, "pull"],
    ["peer behind: nobody pushes repairs", { local: local(9n), remote: remote(5n, 2) }, "nothing"],
    ["equal cursor, equal fingerprint", { local: local(9n), remote: remote(9n) }, "nothing"],
    [
      "equal cursor, fingerprint differs",
      { local: local(9n, 1), remote: remote(9n, 2) },
      "reconcile",
    ],
    [
      "equal cursor, peer fingerprint unknown",
      { local: local(9n, 1), remote: remote(9n, 2, { fingerprintKnown: false }) },
      "nothing",
    ],
    [
      "below the peer's tombstone horizon",
      { local: local(3n), remote: remote(9n, 1, { tombstoneHorizon: 5n }) },
      "full-resync",
    ],
    [
      "at the peer's horizon: tombstones after it are retained",
      { local: local(5n), remote: remote(9n, 1, { tombstoneHorizon: 5n }) },
      "pull",
    ],
    [
      "own stream, peer ahead of our head",
      { local: local(5n), remote: remote(8n), ownStream: true },
      "origin-rewind",
    ],
    ["own stream, we lost it entirely", { remote: remote(8n), ownStream: true }, "origin-rewind"],
    [
      "own stream, peer behind",
      { local: local(8n), remote: remote(5n), ownStream: true },
      "nothing",
    ],
  ] as const)("%s -> %s", (_name, input, kind) => {
    expect(decide(input as Partial<DecideInput>).kind).toBe(kind);
  });

  test("pull starts after our cursor; from the start when we have none", () => {
    expect(decide({ local: local(5n), remote: remote(9n) }).afterSeq).toBe(5n);
    expect(decide({ remote: remote(9n) }).afterSeq).toBeUndefined();
  });

  /** The peer that served the pages of the pulls below, at cursor 9. */
  const X = "0a".repeat(16);
  const Y = "0b".repeat(16);
  const fromX = { resumeSource: { peer: X, cursor: 9n } };

  test("an unfinished pull resumes after its last page received in order", () => {
    const d = decide({
      local: local(5n, 1, { pulling: true, maxAppliedSeq: 8n, resumeAfterSeq: 8n, ...fromX }),
      remote: remote(9n),
      peer: X,
    });
    expect(d).toMatchObject({ kind: "pull", reason: "resume-unfinished-pull", afterSeq: 8n });
  });

  test("an unfinished pull whose pages came out of order resumes below what it applied", () => {
    // Seqs up to 8 were applied, but only those up to 6 arrived in order.
    const d = decide({
      local: local(5n, 1, { pulling: true, maxAppliedSeq: 8n, resumeAfterSeq: 6n, ...fromX }),
      remote: remote(9n),
      peer: X,
    });
    expect(d).toMatchObject({ kind: "pull", afterSeq: 6n });
    const none = decide({
      local: local(5n, 1, { pulling: true, maxAppliedSeq: 8n, resumeAfterSeq: undefined }),
      remote: remote(9n),
      peer: X,
    });
    expect(none).toMatchObject({ kind: "pull", afterSeq: 5n });
  });

  describe("a-resume-point-holds-only-with-the-source-that-served-it", () => {
    // Pages from X through 8 (6 and 7 received with no hole after the
    // cursor 5); X's pages left out rows it had replaced above 8.
    const mid = local(5n, 1, {
      pulling: true,
      maxAppliedSeq: 8n,
      resumeAfterSeq: 8n,
      gaplessSeq: 7n,
      ...fromX,
    });

    test("another source: after the last seq received gap-free", () => {
      expect(decide({ local: mid, remote: remote(9n), peer: Y })).toMatchObject({
        kind: "pull",
        reason: "resume-unfinished-pull",
        afterSeq: 7n,
      });
      // BF-4: a source whose cursor is the resume point would answer "done".
      expect(decide({ local: mid, remote: remote(8n), peer: Y }).afterSeq).toBe(7n);
      // Nothing received gap-free: after the cursor.
      const holes = { ...mid, gaplessSeq: undefined };
      expect(decide({ local: holes, remote: remote(9n), peer: Y }).afterSeq).toBe(5n);
      // A peer not named (or a resume point of unknown source): the same.
      expect(decide({ local: mid, remote: remote(9n) }).afterSeq).toBe(7n);
      const unknown = { ...mid, resumeSource: undefined };
      expect(decide({ local: unknown, remote: remote(9n), peer: X }).afterSeq).toBe(7n);
    });

    test("the same source whose cursor went back (a restored copy): as another source", () => {
      expect(decide({ local: mid, remote: remote(8n), peer: X }).afterSeq).toBe(7n);
      expect(decide({ local: mid, remote: remote(12n), peer: X }).afterSeq).toBe(8n);
    });

    test("an own stream pulled back from another source: after the cursor", () => {
      const own = local(5n, 1, { pulling: true, maxAppliedSeq: 8n, resumeAfterSeq: 8n, ...fromX });
      expect(decide({ local: own, remote: remote(9n), ownStream: true, peer: Y })).toMatchObject({
        kind: "origin-rewind",
        afterSeq: 5n,
      });
      expect(decide({ local: own, remote: remote(9n), ownStream: true, peer: X }).afterSeq).toBe(
        8n,
      );
    });
  });

  test("mid-pull of the peer's own stream it lists with no cursor: probe it after all we applied", () => {
    // The origin holds unconfirmed changes (no cursor, pulling, §3.7): a
    // Backfill after every seq we hold shows it our pull (OR-5). Not after
    // the resume point or the cursor: a restored origin would take that
    // as "holds nothing above my cursor" and hand out seqs we hold.
    const stuck = local(undefined, 1, { pulling: true, maxAppliedSeq: 8n, resumeAfterSeq: 6n });
    const d = decide({
      local: stuck,
      remote: remote(undefined, 2, { pulling: true }),
      peerIsOrigin: true,
    });
    expect(d).toMatchObject({
      kind: "probe-origin",
      reason: "origin-lists-no-cursor-mid-pull",
      afterSeq: 8n,
    });
    const withCursor = local(4n, 1, { pulling: true, maxAppliedSeq: undefined });
    expect(
      decide({
        local: withCursor,
        remote: remote(undefined, 2, { pulling: true }),
        peerIsOrigin: true,
      }),
    ).toMatchObject({ kind: "probe-origin", afterSeq: 4n });
  });

  test("no origin probe unless stuck mid-pull of the origin's stream it lists with no cursor", () => {
    const stuck = local(undefined, 1, { pulling: true, maxAppliedSeq: 8n });
    const noCursor = remote(undefined, 2, { pulling: true });
    const cases: Partial<DecideInput>[] = [
      // A relay, not the origin: it may simply not hold the stream.
      { local: stuck, remote: noCursor },
      // The origin is not pulling: it holds no unconfirmed changes of it.
      { local: stuck, remote: remote(undefined), peerIsOrigin: true },
      // The origin did not list it.
      { local: stuck, peerIsOrigin: true },
      // We are not mid-pull.
      { local: local(5n), remote: noCursor, peerIsOrigin: true },
      // Our own stream (the origin is us).
      { local: stuck, remote: noCursor, peerIsOrigin: true, ownStream: true },
    ];
    for (const i of cases) expect(decide(i).kind).toBe("nothing");
  });

  test("an unfinished pull never finishes against a peer below what it applied", () => {
    const d = decide({
      local: local(5n, 1, { pulling: true, maxAppliedSeq: 8n }),
      remote: remote(7n),
    });
    expect(d.kind).toBe("nothing");
  });

  test("a pulling stream's fingerprint is not compared", () => {
    const d = decide({
      local: local(9n, 1, { pulling: true, maxAppliedSeq: 9n }),
      remote: remote(9n, 2),
    });
    expect(d.kind).toBe("pull");
  });

  test("a peer mid-pull at our cursor is never reconciled against, whatever its fingerprint", () => {
    const d = decide({ local: local(9n, 1), remote: remote(9n, 2, { pulling: true }) });
    expect(d).toMatchObject({ kind: "nothing", reason: "peer-pulling" });
  });

  test("a peer mid-pull ahead of us is pulled from, but never full-resynced against", () => {
    expect(decide({ local: local(5n), remote: remote(9n, 2, { pulling: true }) })).toMatchObject({
      kind: "pull",
      afterSeq: 5n,
    });
    const below = decide({
      local: local(3n),
      remote: remote(9n, 1, { tombstoneHorizon: 5n, pulling: true }),
    });
    expect(below).toMatchObject({ kind: "nothing", reason: "peer-pulling-below-horizon" });
  });

  test("equal cursors, fingerprints differ, we hold more rows: defer once, then reconcile the same states", () => {
    const input = { local: local(9n, 1, { liveCount: 12n }), remote: remote(9n, 2) };
    expect(decide(input)).toMatchObject({
      kind: "nothing",
      reason: "reconcile-deferred-peer-has-fewer",
      deferred: true,
    });
    // The caller remembered the deferral and the same states persist.
    expect(decide({ ...input, mayDefer: false })).toMatchObject({
      kind: "reconcile",
      reason: "fingerprint-mismatch",
    });
  });

  test("equal cursors, fingerprints differ, equal counts: both sides reconcile at once", () => {
    expect(decide({ local: local(9n, 1), remote: remote(9n, 2) })).toMatchObject({
      kind: "reconcile",
      reason: "fingerprint-mismatch",
    });
  });

  test("the side with fewer rows never defers", () => {
    const d = decide({ local: local(9n, 1, { liveCount: 8n }), remote: remote(9n, 2) });
    expect(d).toMatchObject({ kind: "reconcile", reason: "fingerprint-mismatch" });
  });

  const counted = fc.record({
    f: fc.integer({ min: 0, max: 2 }),
    count: fc.bigInt({ min: 0n, max: 5n }),
  });
  ftest.prop([counted, counted, fc.boolean(), fc.boolean()], { numRuns: 300 })(
    "the count hint never blocks a repair: some side reconciles now, or this side once it may no longer defer",
    (a, b, mayDeferA, mayDeferB) => {
      const sides = (x: typeof a, y: typeof a, mayDefer: boolean) =>
        decide({
          local: local(9n, x.f, { liveCount: x.count }),
          remote: remote(9n, y.f, { liveCount: y.count }),
          mayDefer,
        });
      const da = sides(a, b, mayDeferA);
      const db = sides(b, a, mayDeferB);
      if (a.f === b.f) {
        expect([da.kind, db.kind]).toEqual(["nothing", "nothing"]);
        return;
      }
      // At most one side defers, and only the one with strictly more rows.
      expect(da.kind === "reconcile" || db.kind === "reconcile").toBe(true);
      if (da.deferred) expect(a.count > b.count).toBe(true);
      expect(sides(a, b, false).kind).toBe("reconcile");
    },
  );

  ftest.prop(
    [
      fc.option(fc.bigInt({ min: 1n, max: 20n }), { nil: undefined }),
      fc.option(fc.bigInt({ min: 1n, max: 20n }), { nil: undefined }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 2 }),
      fc.option(fc.bigInt({ min: 1n, max: 20n }), { nil: undefined }),
      fc.boolean(),
    ],
    { numRuns: 300 },
  )(
    "when either side is pulling, the decision is only pull or nothing",
    (lc, rc, lf, rf, horizon, localPulls) => {
      const d = decide({
        local: local(lc, lf, localPulls ? { pulling: true } : {}),
        remote: remote(rc, rf, { pulling: !localPulls, tombstoneHorizon: horizon }),
      });
      expect(["pull", "nothing"]).toContain(d.kind);
    },
  );

  const side = fc.record({
    cursor: fc.option(fc.bigInt({ min: 1n, max: 20n }), { nil: undefined }),
    f: fc.integer({ min: 0, max: 2 }),
  });
  ftest.prop([side, side], { numRuns: 300 })(
    "only the side that lacks data acts (no symmetric recovery)",
    (a, b) => {
      const da = decide({ local: local(a.cursor, a.f), remote: remote(b.cursor, b.f) });
      const db = decide({ local: local(b.cursor, b.f), remote: remote(a.cursor, a.f) });
      // Pulls go one way only; reconcile is the one symmetric case (equal cursors).
      expect(da.kind === "pull" && db.kind === "pull").toBe(false);
      if (da.kind === "pull") expect(b.cursor).toBeDefined();
    },
  );
});
