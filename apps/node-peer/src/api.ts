// What a command asks of a device, as one interface: served by the device
// in this process (LocalApi), or by the running serve through the admin
// API (AdminClient). Arguments and results are plain JSON, so both sides
// are the same code path.
import type { PeerRecord } from "./config/data-dir.js";
import type { IndexResult, LocationInfo } from "./indexer/locations.js";
import type { IndexProgress } from "./indexer/scanner.js";
import type { FindResult, LsResult, TagView } from "./library/view.js";
import type { PeerIdentity } from "./peer-handshake.js";
import type { AddPeerResult, PinIncomingResult, TagResult, VerifyReport } from "./peer-node.js";
import type { StatusReport } from "./status-report.js";

export type Progress = (p: IndexProgress) => void;

export type TagRequest = {
  readonly name: string;
  /** Entry ids or absolute paths. */
  readonly entries: readonly string[];
  readonly color?: string;
  readonly remove?: boolean;
};

export interface PeerApi {
  status(a: { readonly probe: boolean }): Promise<StatusReport>;
  /**
   * Records a peer the user confirmed (found by peerHandshake in the CLI
   * process); never contacts the URL beyond syncing with the peer.
   */
  addPeer(a: PeerIdentity): Promise<AddPeerResult>;
  /** Pairs devices by id only: let in as callers, never dialled (no URL). */
  pinIncoming(a: { readonly deviceIds: readonly string[] }): Promise<PinIncomingResult>;
  removePeer(a: { readonly peer: string }): Promise<PeerRecord>;
  verify(a: { readonly peer: string }): Promise<VerifyReport>;
  tag(a: TagRequest): Promise<TagResult>;
  index(a: { readonly path: string }, onProgress?: Progress): Promise<IndexResult>;
  locations(a: Record<string, never>): Promise<LocationInfo[]>;
  removeLocation(a: { readonly ref: string }, onProgress?: Progress): Promise<LocationInfo>;
  /** Follows locations live (a path not yet indexed is indexed first); serve only. */
  watch(a: { readonly paths: readonly string[] }): Promise<LocationInfo[]>;
  ls(a: { readonly ref?: string }): Promise<LsResult>;
  find(a: { readonly pattern: string; readonly limit: number }): Promise<FindResult>;
  tags(a: Record<string, never>): Promise<TagView[]>;
}

export type ApiMethod = keyof PeerApi;

export const API_METHODS: readonly ApiMethod[] = [
  "status",
  "addPeer",
  "pinIncoming",
  "removePeer",
  "verify",
  "tag",
  "index",
  "locations",
  "removeLocation",
  "watch",
  "ls",
  "find",
  "tags",
];

export function isApiMethod(name: string): name is ApiMethod {
  return (API_METHODS as readonly string[]).includes(name);
}
