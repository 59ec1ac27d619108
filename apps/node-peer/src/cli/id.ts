// `tidemark id`: this device's id, its short form (compare it when
// pairing) and, with --cert, its certificate (for `buf curl --cacert`).
import type { Command } from "commander";
import { dataDirPaths, loadConfig } from "../config/data-dir.js";
import { commonOptions, printJson, say } from "./common.js";

export function registerId(program: Command): void {
  program
    .command("id")
    .description("this device's id and its short form (what another device pairs with)")
    .option("--cert", "print this device's certificate (PEM) instead")
    .option("--json", "print as JSON")
    .action(async (flags: { json?: boolean; cert?: boolean }, cmd: Command) => {
      const paths = dataDirPaths(commonOptions(cmd).data);
      const config = loadConfig(paths);
      const { loadIdentity } = await import("../identity/device-identity.js");
      const identity = await loadIdentity(paths, config.deviceId);
      if (flags.cert === true) {
        process.stdout.write(identity.certPem);
        return;
      }
      if (flags.json === true) {
        printJson({
          deviceId: identity.deviceId,
          shortForm: identity.shortForm,
          deviceName: config.deviceName,
          certificate: paths.certificate,
        });
        return;
      }
      say(`${identity.deviceId}  ${identity.shortForm}  ${config.deviceName}`);
    });
}
