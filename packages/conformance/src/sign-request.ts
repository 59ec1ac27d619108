// Signs the changes of a case's PushChanges request as their origins
// would (PROTOCOL.md §16), once its placeholders are resolved. A case says
// how to misbehave with a few "$" keys, stripped before the request is sent:
//   change "$sign": "none"      leave it unsigned
//   change "$sign": "@me2"      sign with that device's key instead
//   change "$signedAs": {...}   sign these fields in place of the change's
//                               own (a body altered after signing)
//   change "$flip": "signature" flip one bit of the signature
//   batch  "$originKey": "none" | "@me2" | "@hex:…"  send no key, that
//                               device's key, or these bytes as the key
// Without them every change of an origin the runner holds a key for is
// signed by it and the batch carries that key. A change that already has
// a "signature" is sent as written.
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import type { ChangeSigner } from "@tidemark/engine";
import { ChangeSchema, type StreamId, StreamIdSchema } from "@tidemark/protocol";
import type { Json } from "./placeholders.js";
import { signatureOf } from "./signing.js";

/** The keys the runner holds, by device id in base64 (as resolved placeholders read). */
export type Keyring = ReadonlyMap<string, ChangeSigner>;

export class SignDirectiveError extends Error {
  override readonly name = "SignDirectiveError";
}

type Obj = { [k: string]: Json };
const isObj = (v: Json | undefined): v is Obj =>
  v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A resolved PushChanges request with every change signed as the directives say. */
export function signPushRequest(req: Json, library: Uint8Array, keys: Keyring): Json {
  if (!isObj(req) || !Array.isArray(req.batches)) return req;
  return {
    ...req,
    batches: req.batches.map((batch, i) => signBatch(batch, library, keys, `batches[${i}]`)),
  };
}

function signBatch(batch: Json, library: Uint8Array, keys: Keyring, where: string): Json {
  if (!isObj(batch)) return batch;
  const { $originKey, ...rest } = batch;
  let stream: StreamId;
  try {
    stream = fromJson(StreamIdSchema, (rest.stream ?? {}) as JsonValue);
  } catch (err) {
    throw new SignDirectiveError(`${where}.stream: ${(err as Error).message}`);
  }
  const own = keys.get(b64(stream.origin));
  const changes = Array.isArray(rest.changes) ? rest.changes : [];
  const out: Obj = {
    ...rest,
    changes: changes.map((c, j) =>
      signChangeJson(c, own, { library, keys, stream, where: `${where}.changes[${j}]` }),
    ),
  };
  const key = originKeyOf($originKey, own, keys, where);
  if (key !== undefined) out.originKey = key;
  return out;
}

function originKeyOf(
  directive: Json | undefined,
  own: ChangeSigner | undefined,
  keys: Keyring,
  where: string,
): string | undefined {
  if (directive === undefined) return own === undefined ? undefined : b64(own.publicKey);
  if (directive === "none") return undefined;
  if (typeof directive !== "string")
    throw new SignDirectiveError(`${where}.$originKey: "none", a device or "@hex:…"`);
  const other = keys.get(directive);
  return other === undefined ? directive : b64(other.publicKey);
}

type SignCtx = {
  readonly library: Uint8Array;
  readonly keys: Keyring;
  readonly stream: StreamId;
  readonly where: string;
};

function signChangeJson(change: Json, own: ChangeSigner | undefined, ctx: SignCtx): Json {
  if (!isObj(change)) return change;
  const { $sign, $signedAs, $flip, ...clean } = change;
  if (clean.signature !== undefined) return clean;
  const signer = signerOf($sign, own, ctx);
  if (signer === undefined) return clean;
  if ($signedAs !== undefined && !isObj($signedAs))
    throw new SignDirectiveError(`${ctx.where}.$signedAs: an object of Change fields`);
  let signed: ReturnType<typeof fromJson<typeof ChangeSchema>>;
  try {
    signed = fromJson(ChangeSchema, { ...clean, ...($signedAs ?? {}) } as JsonValue);
  } catch (err) {
    throw new SignDirectiveError(`${ctx.where}: not a Change: ${(err as Error).message}`);
  }
  const sig = signatureOf(signer, ctx.library, ctx.stream, signed);
  if ($flip !== undefined) {
    if ($flip !== "signature")
      throw new SignDirectiveError(`${ctx.where}.$flip: only "signature" is known`);
    sig[sig.length - 1] = (sig[sig.length - 1] as number) ^ 0x01;
  }
  return { ...clean, signature: b64(sig) };
}

function signerOf(
  directive: Json | undefined,
  own: ChangeSigner | undefined,
  ctx: SignCtx,
): ChangeSigner | undefined {
  if (directive === undefined) return own;
  if (directive === "none") return undefined;
  const other = typeof directive === "string" ? ctx.keys.get(directive) : undefined;
  if (other === undefined)
    throw new SignDirectiveError(
      `${ctx.where}.$sign: "none" or a device the runner holds a key for (@me, @me2)`,
    );
  return other;
}
