// `tidemark peer add URL` / `peer remove PEER` / `peer list`.
import type { Command } from "commander";
import { dataDirPaths, loadConfig, loadPeers, readServeInfo } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { HandshakeResult, PeerIdentity } from "../peer-handshake.js";
import { renderTable } from "../table.js";
import { ago, commonOptions, printJson, say, seconds } from "./common.js";

type AddFlags = {
  json?: boolean;
  wait: string;
  yes?: boolean;
  deviceId?: string[];
  idsFile?: string;
};

/**
 * `peer add --device-id ID… | --ids-file F` with no URL: pair devices that
 * only call this one (mutual TLS); nobody is contacted or dialled.
 */
async function pinIncoming(flags: AddFlags, cmd: Command): Promise<void> {
  const [{ withApi }, { parseDeviceRef }, { readFileSync }] = await Promise.all([
    import("./target.js"),
    import("../identity/device-ref.js"),
    import("node:fs"),
  ]);
  const fromFile =
    flags.idsFile === undefined
      ? []
      : readFileSync(flags.idsFile, "utf8")
          .split("\n")
          .map((l) => l.replace(/#.*/, "").trim())
          .filter((l) => l !== "");
  const refs = [...(flags.deviceId ?? []), ...fromFile];
  if (refs.length === 0)
    throw new CliError(
      CliErrorCode.InvalidArgument,
      "peer add: give the peer's URL, or --device-id ID (repeatable) / --ids-file FILE to pair devices that only call in",
    );
  const ids = refs.map((r) => parseDeviceRef(r));
  const r = await withApi(commonOptions(cmd), "peer add", (api) =>
    api.pinIncoming({ deviceIds: ids }),
  );
  if (flags.json === true) return printJson(r);
  say(
    `paired ${r.added.length} device(s) for incoming calls only (not dialled)${
      r.known.length > 0 ? `; ${r.known.length} already paired, unchanged` : ""
    }`,
  );
}

/**
 * The user's go-ahead for a peer: asked on a terminal, else `--yes` is
 * required (a script states it). A peer already known at that URL needs none.
 */
async function confirm(found: PeerIdentity, known: boolean, yes: boolean): Promise<void> {
  if (yes || known) return;
  const who = `"${found.name}" (device ${found.deviceId}) at ${found.url}`;
  if (process.stdin.isTTY !== true) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${who} answered; not adding it without confirmation`,
      "add --yes to confirm from a script",
    );
  }
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`add peer ${who} of this library? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new CliError(CliErrorCode.InvalidArgument, "not added: not confirmed");
    }
  } finally {
    rl.close();
  }
}

/** Last exchange per peer, from the running serve (unknown when none runs). */
async function lastExchanges(opts: ReturnType<typeof commonOptions>): Promise<Map<string, string>> {
  const { withApi, runningOwner } = await import("./target.js");
  if ((await runningOwner(opts.data)) === undefined) return new Map();
  try {
    const report = await withApi(opts, "peer list", (api) => api.status({ probe: false }));
    return new Map(report.peers.map((p) => [p.deviceId, ago(p.lastExchangeAt)]));
  } catch {
    return new Map();
  }
}

/** What the user should know (and do on the other device) after a pairing. */
function afterPairing(found: HandshakeResult, me: string, myUrl: string | undefined): string[] {
  const back = `tidemark peer add ${myUrl ?? "https://THIS_HOST:7400"} --device-id ${me}`;
  if (found.contact === "not-paired-yet") {
    return ["it has not paired this device yet; on it run:", `  ${back}`];
  }
  if (found.contact === "unreachable") {
    return [
      `it does not answer yet (${found.detail}); pinned anyway: sync starts once it serves`,
      "and on it, if not done yet:",
      `  ${back}`,
    ];
  }
  return [];
}

export function registerPeer(program: Command): void {
  const peer = program.command("peer").description("manage the peers this device syncs with");
  peer
    .command("add")
    .description(
      "pair a device: pin its device id at its URL (mutual TLS); refused if another device answers there. Without URL: pair --device-id/--ids-file devices for incoming calls only",
    )
    .argument("[url]", "the peer's SyncService URL, e.g. https://192.168.1.20:7400")
    .option(
      "--device-id <id...>",
      "the peer's device id, hex or short form (`tidemark id` there); several only without URL",
    )
    .option("--ids-file <file>", "without URL: device ids to pair for incoming calls, one a line")
    .option("--wait <seconds>", "wait this long for the peer to answer (it may be starting)", "10")
    .option("-y, --yes", "add an unpinned cleartext peer without asking (loopback test setups)")
    .option("--json", "print the result as JSON")
    .action(async (url: string | undefined, flags: AddFlags, cmd: Command) => {
      if (url === undefined) return pinIncoming(flags, cmd);
      if ((flags.deviceId?.length ?? 0) > 1 || flags.idsFile !== undefined)
        throw new CliError(
          CliErrorCode.InvalidArgument,
          "peer add URL takes one --device-id (the device at URL); several ids or --ids-file only without URL",
        );
      const opts = commonOptions(cmd);
      const [{ withApi }, { peerHandshake }, { loadIdentity }, { parseDeviceRef }] =
        await Promise.all([
          import("./target.js"),
          import("../peer-handshake.js"),
          import("../identity/device-identity.js"),
          import("../identity/device-ref.js"),
        ]);
      const paths = dataDirPaths(opts.data);
      const self = loadConfig(paths);
      const typed = flags.deviceId?.[0];
      const expect = typed === undefined ? undefined : parseDeviceRef(typed);
      if (expect === self.deviceId) {
        throw new CliError(CliErrorCode.InvalidArgument, `${expect} is this device itself`);
      }
      const pin =
        expect === undefined
          ? undefined
          : { credentials: await loadIdentity(paths, self.deviceId), expect };
      const found = await peerHandshake(url, seconds(flags.wait, "--wait"), self, pin);
      const known = loadPeers(paths).some(
        (p) => p.deviceId === found.deviceId && p.url === found.url,
      );
      // A typed device id is the confirmation; an unpinned peer needs one.
      if (pin === undefined) await confirm(found, known, flags.yes === true);
      const r = await withApi(opts, "peer add", (api) => api.addPeer(found));
      if (flags.json === true) return printJson({ ...r, contact: found.contact });
      const who = `${r.peer.name} (${r.peer.deviceId})`;
      if (r.outcome === "known")
        say(`peer ${who} is already known at ${r.peer.url}: nothing changed`);
      else if (r.outcome === "moved")
        say(
          r.previousUrl === null || r.previousUrl === ""
            ? `peer ${who} (paired for incoming calls) is now dialled at ${r.peer.url}`
            : `peer ${who} moved: ${r.previousUrl} -> ${r.peer.url}`,
        );
      else say(`paired ${who} at ${r.peer.url}`);
      for (const line of afterPairing(found, self.deviceId, readServeInfo(paths)?.url)) say(line);
    });
  peer
    .command("remove")
    .description("stop syncing with a peer (what it wrote stays in the library)")
    .argument("<peer>", "device id (or prefix), name or URL")
    .option("--json", "print the removed peer as JSON")
    .action(async (ref: string, flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const r = await withApi(commonOptions(cmd), "peer remove", (api) =>
        api.removePeer({ peer: ref }),
      );
      if (flags.json === true) printJson(r);
      else say(`removed peer ${r.name} (${r.deviceId}) at ${r.url}; its rows stay in the library`);
    });
  peer
    .command("list")
    .description("list known peers")
    .option("--json", "print as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const paths = dataDirPaths(opts.data);
      loadConfig(paths);
      const peers = loadPeers(paths);
      const lastSeen = await lastExchanges(opts);
      if (flags.json === true) {
        return printJson(peers.map((p) => ({ ...p, lastSeen: lastSeen.get(p.deviceId) ?? null })));
      }
      if (peers.length === 0)
        return say("no peers (pair one with `tidemark peer add URL --device-id ID`)");
      const { shortFormOf } = await import("../identity/device-identity.js");
      say(
        renderTable(
          ["DEVICE", "SHORT FORM", "NAME", "URL", "LAST SEEN", "ADDED"],
          peers.map((p) => [
            p.deviceId,
            shortFormOf(p.deviceId),
            p.name,
            p.url === "" ? "(incoming only)" : p.url,
            lastSeen.get(p.deviceId) ?? "?",
            p.addedAt,
          ]),
        ),
      );
    });
}
