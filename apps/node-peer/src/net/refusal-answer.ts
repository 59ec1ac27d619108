// The answer to a call refused before its request is read (the caller
// gate): `err` in the place the request's protocol puts errors, built with
// connect-es's own encoders, so every client reads the code and detail as
// if a handler had thrown it. The request body is never parsed.
import type { ConnectError } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  createEndStreamSerialization,
  endStreamFlag,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { WireProtocol } from "./wire-errors.js";

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** `err` as the answer to a request of `protocol` whose content-type was `contentType`. */
export function refusalAnswer(
  protocol: WireProtocol | undefined,
  contentType: string,
  err: ConnectError,
): UniversalServerResponse {
  switch (protocol) {
    case "connect-unary": {
      const body = errorToJsonBytes(err, {});
      return {
        status: codeToHttpStatus(err.code),
        header: new Headers({
          "content-type": "application/json",
          "content-length": String(body.byteLength),
        }),
        body: once(body),
      };
    }
    case "connect-stream": {
      const end = createEndStreamSerialization({}).serialize({
        metadata: new Headers(),
        error: err,
      });
      const envelope = new Uint8Array(5 + end.byteLength);
      envelope[0] = endStreamFlag;
      new DataView(envelope.buffer).setUint32(1, end.byteLength);
      envelope.set(end, 5);
      return {
        status: 200,
        header: new Headers({ "content-type": contentType }),
        body: once(envelope),
      };
    }
    case "grpc":
    case "grpc-web": {
      // Trailers-only: the status in the headers, no body.
      const header = new Headers({ "content-type": contentType });
      setTrailerStatus(header, err);
      return { status: 200, header };
    }
    default:
      return { status: 415, header: new Headers() };
  }
}
