// Counts bytes on the wire (TCP payload, HTTP/2 framing included) for every
// socket of a process's server and clients, so "bytes in/out" is measured
// by the host, not estimated by the engine.
import type { Socket } from "node:net";

export class WireMeter {
  private closedIn = 0;
  private closedOut = 0;
  private readonly live = new Set<Socket>();

  /** Starts counting a socket; its totals are kept after it closes. */
  track(socket: Socket): void {
    this.live.add(socket);
    socket.once("close", () => {
      this.live.delete(socket);
      this.closedIn += socket.bytesRead;
      this.closedOut += socket.bytesWritten;
    });
  }

  get bytesIn(): number {
    let total = this.closedIn;
    for (const s of this.live) total += s.bytesRead;
    return total;
  }

  get bytesOut(): number {
    let total = this.closedOut;
    for (const s of this.live) total += s.bytesWritten;
    return total;
  }
}
