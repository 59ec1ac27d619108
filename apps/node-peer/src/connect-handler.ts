// connect-node's adapter, plus two things: a call the host refuses (the
// caller gate) is answered before its request is read, and every error
// answer carries an ErrorDetail whatever the protocol, unreadable request
// bytes being `invalid_argument` (connect-es says `internal`), see
// net/wire-errors.ts.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import {
  Code,
  ConnectError,
  type ConnectRouterOptions,
  type ContextValues,
  createConnectRouter,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { refusalAnswer } from "./net/refusal-answer.js";
import { wireProtocolOf, withErrorDetails } from "./net/wire-errors.js";

export type HandlerOptions = ConnectRouterOptions & {
  readonly routes: (router: ReturnType<typeof createConnectRouter>) => void;
  /** Context values of each request (who is calling, from the TLS layer). */
  readonly contextValues?: (req: Http2ServerRequest) => ContextValues;
  /** A refusal of the call to `method` (its name), answered without reading the request. */
  readonly refuse?: (req: Http2ServerRequest, method: string) => ConnectError | undefined;
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
    const protocol = wireProtocolOf(req.headers["content-type"]);
    const refused = options.refuse?.(req, handler.method.name);
    if (refused !== undefined) {
      const answer = refusalAnswer(protocol, req.headers["content-type"] ?? "", refused);
      universalResponseToNodeResponse(answer, res).catch(() => res.destroy());
      return;
    }
    const uReq = universalRequestFromNodeRequest(req, res, undefined, options.contextValues?.(req));
    handler(uReq)
      .then((uRes) => withErrorDetails(protocol, uRes))
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        res.destroy(reason instanceof Error ? reason : undefined);
      });
  };
}
