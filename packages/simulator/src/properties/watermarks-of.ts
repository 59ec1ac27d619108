// The watermarks a message lists (an exchange's question or answer, a
// notice): how several properties read what a device announced.
import type {
  ExchangeWatermarksRequest,
  ExchangeWatermarksResponse,
  NotifyDataAvailableRequest,
  StreamWatermark,
} from "@tidemark/protocol";

/** The watermarks a message lists, or undefined for any other message. */
export function watermarksOf(m: {
  readonly rpc: string;
  readonly part: string;
  readonly message: () => unknown;
}): readonly StreamWatermark[] | undefined {
  if (m.rpc === "ExchangeWatermarks" && m.part === "req")
    return (m.message() as ExchangeWatermarksRequest).watermarks;
  if (m.rpc === "ExchangeWatermarks" && m.part === "res")
    return (m.message() as ExchangeWatermarksResponse).watermarks;
  if (m.rpc === "NotifyDataAvailable" && m.part === "req")
    return (m.message() as NotifyDataAvailableRequest).watermarks;
  return undefined;
}
