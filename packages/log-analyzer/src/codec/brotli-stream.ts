// One brotli stream across all the blocks of a file, flushed after each
// block: a block's bytes decode on their own once the earlier blocks have
// been decoded, and every block can refer back to the ones before it (the
// window is 16 MiB), so replicated content costs almost nothing the second
// time. Node's zlib runs the work on its thread pool; the encoder can mine
// the next block meanwhile.
import {
  type BrotliCompress,
  type BrotliDecompress,
  constants,
  createBrotliCompress,
  createBrotliDecompress,
} from "node:zlib";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

/** A block never decodes to more than this (16 MiB of lines plus one very long line). */
const MAX_DECODED_BLOCK = 1 << 30;

/** Largest window brotli allows without its non-standard large-window mode. */
export const MAX_LGWIN = 24;

/** The window for an input of `size` bytes: no larger than needed (a small file's header stays small). */
export function lgwinFor(size: number | undefined): number {
  if (size === undefined) return MAX_LGWIN;
  let w = 16;
  while (w < MAX_LGWIN && 2 ** w < size) w++;
  return w;
}

type Zlib = BrotliCompress | BrotliDecompress;

interface Job {
  readonly chunks: Buffer[];
  produced: number;
  readonly limit: number;
}

// Writes each input and flushes; zlib emits a flush's output before calling
// the flush callback, and keeps writes in order, so the output that arrives
// while a job is the oldest unfinished one is that job's. Jobs may overlap.
abstract class FlushedStream {
  private readonly jobs: Job[] = [];
  private failure: Error | null = null;

  constructor(protected readonly z: Zlib) {
    z.on("data", (c: Buffer) => {
      const job = this.jobs[0];
      // Never expected (see above); failing loudly beats filing bytes under the wrong block.
      if (job === undefined) {
        z.destroy(new Error("brotli output arrived outside a block"));
        return;
      }
      job.chunks.push(c);
      job.produced += c.length;
      if (job.produced > job.limit) z.destroy(new Error(`block exceeds ${job.limit} bytes`));
    });
    z.on("error", (err: Error) => {
      this.failure = err;
    });
  }

  /** `finish` ends the stream instead of flushing it (a byte shorter; nothing may follow). */
  protected run(input: Uint8Array, limit: number, finish = false): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      const job: Job = { chunks: [], produced: 0, limit };
      this.jobs.push(job);
      const onError = (err: Error): void => reject(err);
      const done = (): void => {
        this.z.off("error", onError);
        this.jobs.shift();
        if (this.failure !== null) reject(this.failure);
        else resolve(Buffer.concat(job.chunks, job.produced));
      };
      this.z.once("error", onError);
      if (finish) {
        this.z.once("end", done);
        this.z.end(input);
      } else {
        this.z.write(input);
        this.z.flush(constants.BROTLI_OPERATION_FLUSH, done);
      }
    });
  }

  close(): void {
    this.z.destroy();
  }
}

/** How the encoder's stream is tuned; `sizeHint` is the whole input's size when known. */
export interface StreamParams {
  readonly quality: number;
  readonly lgwin: number;
  readonly sizeHint: number | undefined;
}

/** Brotli parameters for Node's zlib. */
export function brotliParams(p: StreamParams): Record<number, number> {
  const params: Record<number, number> = {
    [constants.BROTLI_PARAM_QUALITY]: p.quality,
    [constants.BROTLI_PARAM_LGWIN]: p.lgwin,
  };
  if (p.sizeHint !== undefined) params[constants.BROTLI_PARAM_SIZE_HINT] = p.sizeHint;
  return params;
}

export class BrotliBlockEncoder extends FlushedStream {
  constructor(p: StreamParams) {
    super(createBrotliCompress({ params: brotliParams(p) }));
  }

  /** Compresses `data` as the next block of the stream; `last` ends the stream. */
  block(data: Uint8Array, last: boolean): Promise<Buffer> {
    return this.run(data, Number.POSITIVE_INFINITY, last);
  }
}

export class BrotliBlockDecoder extends FlushedStream {
  constructor() {
    super(createBrotliDecompress());
  }

  /** Decodes the next block (everything the encoder flushed for it). */
  async block(compressed: Uint8Array): Promise<Buffer> {
    try {
      return await this.run(compressed, MAX_DECODED_BLOCK);
    } catch (err) {
      throw new LogAnalyzerError(
        LogErrorCode.CorruptContainer,
        "brotli stream is corrupt",
        {},
        err,
      );
    }
  }
}
