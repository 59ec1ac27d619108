// connect-node's adapter, plus one correction: connect-es reports a request
// body that is not valid protobuf as `internal` (gRPC's convention), but
// Tidemark's protocol classes it as MALFORMED -> `invalid_argument`: the
// caller sent bad bytes, the server is fine. Only that error is rewritten.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import {
  Code,
  ConnectError,
  type ConnectRouterOptions,
  createConnectRouter,
} from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";

const PARSE_FAILURE = /^(\[internal\] )?parse binary/;

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Rewrites a parse failure of the request into invalid_argument (Connect unary and gRPC). */
export async function malformedAsInvalidArgument(
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  // gRPC (trailers-only responses carry the status in the headers).
  for (const h of [res.header, res.trailer]) {
    if (h?.get("grpc-status") === String(Code.Internal)) {
      const msg = decodeURIComponent(h.get("grpc-message") ?? "");
      if (PARSE_FAILURE.test(msg)) h.set("grpc-status", String(Code.InvalidArgument));
    }
  }
  // Connect unary: an error is a small JSON body with a 5xx/4xx status.
  const header = res.header ?? new Headers();
  const type = header.get("content-type") ?? "";
  if (res.status !== 500 || !type.startsWith("application/json") || res.body === undefined) {
    return res;
  }
  if (header.get("content-encoding") !== null) return res;
  const chunks: Uint8Array[] = [];
  for await (const c of res.body) chunks.push(c);
  const raw = Buffer.concat(chunks);
  try {
    const err = JSON.parse(raw.toString("utf8")) as { code?: string; message?: string };
    if (err.code === "internal" && PARSE_FAILURE.test(err.message ?? "")) {
      const body = Buffer.from(JSON.stringify({ code: "invalid_argument", message: err.message }));
      header.set("content-length", String(body.length));
      return { ...res, header, status: 400, body: once(body) };
    }
  } catch {
    // Not a Connect error body: pass it through untouched.
  }
  return { ...res, body: once(raw) };
}

export type HandlerOptions = ConnectRouterOptions & {
  readonly routes: (router: ReturnType<typeof createConnectRouter>) => void;
};

/** A Node HTTP/2 request handler serving the routes (connectNodeAdapter's shape). */
export function createConnectHandler(
  options: HandlerOptions,
): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const router = createConnectRouter({
    acceptCompression: [compressionGzip, compressionBrotli],
    ...options,
  });
  options.routes(router);
  const paths = new Map<string, UniversalHandler>();
  for (const h of router.handlers) paths.set(h.requestPath, h);
  return (req, res) => {
    const handler = paths.get(req.url.split("?", 2)[0] ?? "");
    if (handler === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
    handler(uReq)
      .then(malformedAsInvalidArgument)
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        res.destroy(reason instanceof Error ? reason : undefined);
      });
  };
}
