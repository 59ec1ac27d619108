// The physical time an HLC reads ("pt" in Kulkarni et al.): the larger of
// the wall clock and the highest wall reading seen so far, carried forward
// by the monotonic clock. A wall clock that is set back or freezes then
// keeps counting real time for the HLC and for the max-offset rule, so a
// device whose clock went back a day still accepts correct peers and
// still writes HLCs near real time (PROTOCOL.md §12). Remote clocks never
// move it: a fast peer must not widen what we accept next.
import type { Clock } from "../ports.js";

export class ReferenceClock {
  private wall: number;
  private mono: number;

  /**
   * `floorMs`: a reading persisted by an earlier run (never trusted to
   * have advanced while we were down, only as a lower bound).
   */
  constructor(
    private readonly clock: Clock,
    floorMs = 0,
  ) {
    this.wall = Math.max(floorMs, clock.now());
    this.mono = clock.monotonic();
  }

  /** max(wall clock, highest reading + monotonic time since), in Unix ms. */
  now(): number {
    const wall = this.clock.now();
    const mono = this.clock.monotonic();
    const carried = this.wall + Math.max(0, mono - this.mono);
    if (wall >= carried) {
      this.wall = wall;
      this.mono = mono;
      return wall;
    }
    return carried;
  }
}
