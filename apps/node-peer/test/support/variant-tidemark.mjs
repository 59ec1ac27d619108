// Test only: `tidemark` with a known-bad replica, one of the engine's
// injected variants (@tidemark/engine/testing; production code carries no
// switch for them), run from the packages' compiled dist/ as bin/tidemark
// runs (the tests' global setups build what is stale first). The conformance
// and chaos tests start node-peer with it:
//   node apps/node-peer/test/support/variant-tidemark.mjs VARIANT <tidemark args…>
import { knownBadParts } from "@tidemark/engine/testing";
import { main } from "@tidemark/node-peer";

const [variant = "", ...args] = process.argv.slice(2);
const code = await main(args, { replicaParts: knownBadParts(variant) });
// A closed serve may still hold idle HTTP/2 client sessions: exit now.
process.exit(code);
