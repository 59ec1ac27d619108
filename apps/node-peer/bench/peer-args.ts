// Arguments of the peer bench (`bench -- --peers …`), parsed apart from the
// run so a test can pin them: sizes are positive integers, lists are
// comma-separated, and --1m adds the 1,000,000-row backfill.
export type PeerArgs = {
  readonly singles: number;
  readonly burst: number;
  readonly burstPerCommit: number;
  /** Burst commit calls kept in flight at once (1: each waits for the last). */
  readonly burstInFlight: number;
  readonly backfillRows: readonly number[];
  readonly devices: readonly number[];
};

export const PEER_DEFAULTS: PeerArgs = {
  singles: 200,
  burst: 10_000,
  burstPerCommit: 1,
  burstInFlight: 1,
  backfillRows: [10_000, 100_000],
  devices: [2, 4, 6, 8],
};

function positive(flag: string, text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || !Number.isInteger(v) || v < 1) {
    throw new Error(`${flag} takes a positive integer (got ${text ?? "nothing"})`);
  }
  return v;
}

function list(flag: string, text: string | undefined): number[] {
  if (text === undefined) throw new Error(`${flag} takes a comma-separated list`);
  return text.split(",").map((t) => positive(flag, t.trim()));
}

/** Parses the peer bench's flags out of `argv` (others are left to the caller). */
export function parsePeerArgs(argv: readonly string[]): PeerArgs {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : { value: argv[i + 1] };
  };
  const singles = at("--singles");
  const burst = at("--burst");
  const perCommit = at("--burst-per-commit");
  const inFlight = at("--burst-in-flight");
  const rows = at("--backfill-rows");
  const devices = at("--devices");
  const backfillRows =
    rows === undefined ? [...PEER_DEFAULTS.backfillRows] : list("--backfill-rows", rows.value);
  if (argv.includes("--1m") && !backfillRows.includes(1_000_000)) backfillRows.push(1_000_000);
  const ds = devices === undefined ? PEER_DEFAULTS.devices : list("--devices", devices.value);
  if (ds.some((d) => d < 2)) throw new Error("--devices: at least 2 devices to exchange");
  return {
    singles: singles === undefined ? PEER_DEFAULTS.singles : positive("--singles", singles.value),
    burst: burst === undefined ? PEER_DEFAULTS.burst : positive("--burst", burst.value),
    burstPerCommit:
      perCommit === undefined
        ? PEER_DEFAULTS.burstPerCommit
        : positive("--burst-per-commit", perCommit.value),
    burstInFlight:
      inFlight === undefined
        ? PEER_DEFAULTS.burstInFlight
        : positive("--burst-in-flight", inFlight.value),
    backfillRows: backfillRows.sort((x, y) => x - y),
    devices: ds,
  };
}
