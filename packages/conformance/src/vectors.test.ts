// The shipped vectors are only worth loading if they are right: the
// reference codec must agree with every one (they were computed by a
// second implementation written from the spec text).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deviceIdShortForm, parseDeviceIdShortForm } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { loadVectorFiles, VECTORS_DIR } from "./vectors.js";

type ShortFormVectors = {
  encode: { id: string; shortForm: string }[];
  parse: { input: string; id?: string; refused?: string }[];
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const shortForm = JSON.parse(
  readFileSync(join(VECTORS_DIR, "device-id-short-form.json"), "utf8"),
) as ShortFormVectors;

describe("device id short-form vectors (TI-4, TI-5)", () => {
  it("the reference encodes every id to its vector's short form", () => {
    for (const v of shortForm.encode) {
      expect(deviceIdShortForm(Buffer.from(v.id, "hex"))).toBe(v.shortForm);
    }
  });

  it("the reference parser accepts and refuses exactly what the vectors say", () => {
    for (const v of shortForm.parse) {
      const got = parseDeviceIdShortForm(v.input);
      expect({ input: v.input, id: got === undefined ? undefined : hex(got) }).toEqual({
        input: v.input,
        id: v.refused === undefined ? v.id : undefined,
      });
    }
  });

  it("refuses for every kind of fault, not only typos", () => {
    const kinds = new Set(shortForm.parse.flatMap((v) => (v.refused ? [v.refused] : [])));
    expect([...kinds].sort()).toEqual(["alphabet", "check digit", "length", "padding"]);
  });
});

describe("vector files", () => {
  it("every file names the rules it pins and a title", () => {
    const files = loadVectorFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.rules.length).toBeGreaterThan(0);
  });
});
