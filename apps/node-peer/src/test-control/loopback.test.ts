import { describe, expect, test } from "vitest";
import { isLoopbackHost } from "./loopback.js";

describe("isLoopbackHost", () => {
  test.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])(
    "%s is loopback",
    (h) => expect(isLoopbackHost(h)).toBe(true),
  );
  test.each(["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "128.0.0.1", ""])(
    "%s is not",
    (h) => expect(isLoopbackHost(h)).toBe(false),
  );
});
