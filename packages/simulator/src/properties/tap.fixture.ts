// A request as the network tap sees it, for the wire properties' tests.
import type { TapInfo } from "../network/network.js";

export const tapRequest = (
  from: number,
  to: number,
  rpc: string,
  call: number,
  message?: unknown,
): TapInfo => ({
  from,
  to,
  rpc,
  part: "req",
  call,
  bytes: 10,
  message: () => message,
});
