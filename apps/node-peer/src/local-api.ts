// PeerApi over a PeerNode in this process: what `serve` runs for the
// admin API, and what a command runs when no serve owns the data dir.
import type { PeerApi, Progress, TagRequest } from "./api.js";
import { CliError, CliErrorCode } from "./errors.js";
import type { LocationInfo } from "./indexer/locations.js";
import type { PeerIdentity } from "./peer-handshake.js";
import type { PeerNode } from "./peer-node.js";

export class LocalApi implements PeerApi {
  /** `owner`: this process keeps running (serve, foreground watch), so it can watch. */
  constructor(
    private readonly node: PeerNode,
    private readonly owner = false,
  ) {}

  status(a: { probe: boolean }) {
    return this.node.report(a.probe === true);
  }

  async addPeer(a: PeerIdentity) {
    return this.node.addPeer({
      url: String(a.url),
      deviceId: String(a.deviceId),
      name: String(a.name ?? ""),
    });
  }

  async pinIncoming(a: { deviceIds: readonly string[] }) {
    if (!Array.isArray(a.deviceIds))
      throw new CliError(CliErrorCode.InvalidArgument, "deviceIds must be a list");
    return this.node.pinIncoming(a.deviceIds.map(String));
  }

  async removePeer(a: { peer: string }) {
    return this.node.removePeer(String(a.peer));
  }

  verify(a: { peer: string }) {
    return this.node.verify(String(a.peer));
  }

  async tag(a: TagRequest) {
    if (!Array.isArray(a.entries))
      throw new CliError(CliErrorCode.InvalidArgument, "entries must be a list");
    return this.node.tag(String(a.name), a.entries.map(String), {
      ...(typeof a.color === "string" ? { color: a.color } : {}),
      remove: a.remove === true,
    });
  }

  index(a: { path: string }, onProgress?: Progress) {
    return this.node.locations.index(String(a.path), onProgress);
  }

  async locations() {
    return this.node.locations.list();
  }

  removeLocation(a: { ref: string }, onProgress?: Progress) {
    return this.node.locations.remove(String(a.ref), onProgress);
  }

  async watch(a: { paths: readonly string[] }): Promise<LocationInfo[]> {
    if (!this.owner) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        "only a running serve or watch follows locations",
      );
    }
    const { locations } = this.node;
    const targets = a.paths.length === 0 ? [...locations.all()] : [];
    for (const path of a.paths) {
      const r = await locations.index(String(path));
      targets.push(locations.find(r.locationId));
    }
    for (const loc of targets) await locations.watch(loc, true);
    return targets.map((l) => locations.info(locations.find(l.id)));
  }

  async ls(a: { ref?: string }) {
    return this.node.library.ls(typeof a.ref === "string" ? a.ref : undefined);
  }

  async find(a: { pattern: string; limit: number }) {
    return this.node.library.find(String(a.pattern), Math.max(1, Number(a.limit) || 50));
  }

  async tags() {
    return this.node.library.tags();
  }
}
