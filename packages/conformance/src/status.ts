// gRPC's `grpc-status-details-bin` is a google.rpc.Status; we need only
// its `details` (repeated Any: type_url, value), read with the wire reader.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export type AnyDetail = { readonly typeUrl: string; readonly value: Uint8Array };

/** The `details` of an encoded google.rpc.Status. */
export function statusDetails(bytes: Uint8Array): AnyDetail[] {
  const r = new BinaryReader(bytes);
  const out: AnyDetail[] = [];
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 3 && wire === WireType.LengthDelimited) out.push(readAny(r.bytes()));
    else r.skip(wire);
  }
  return out;
}

function readAny(bytes: Uint8Array): AnyDetail {
  const r = new BinaryReader(bytes);
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) typeUrl = r.string();
    else if (field === 2 && wire === WireType.LengthDelimited) value = r.bytes();
    else r.skip(wire);
  }
  return { typeUrl, value };
}
