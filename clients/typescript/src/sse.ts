/**
 * Server-Sent Events parsing (the WHATWG rules our stream uses): bytes in, whole events out,
 * whatever the frame boundaries. Comments (`: keep-alive`) are reported so a caller can tell
 * the stream is alive.
 */
import { type StreamDecoder, utf8Decoder } from "./utf8.js";

/** One event of the stream. */
export interface SseEvent {
  /** The `id:` field (the feed sequence number), if any. */
  id: string | undefined;
  /** The `event:` field (`message` when absent). */
  event: string;
  /** The `data:` lines joined by newlines. */
  data: string;
}

/** Turns the stream's bytes into events. */
export class SseParser {
  private decoder: StreamDecoder = utf8Decoder();
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onComment: (text: string) => void = () => {},
  ) {}

  /** Feeds the next bytes (any split, even inside a character). */
  push(bytes: Uint8Array): void {
    this.buffer += this.decoder.decode(bytes);
    let start = 0;
    for (;;) {
      const nl = this.buffer.slice(start).search(/\r\n|\r|\n/);
      if (nl < 0) break;
      const end = start + nl;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (this.buffer[end] === "\r" && end + 1 === this.buffer.length) break;
      const line = this.buffer.slice(start, end);
      start = end + (this.buffer.startsWith("\r\n", end) ? 2 : 1);
      this.line(line);
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length) {
        this.onEvent({ id: this.id, event: this.event || "message", data: this.data.join("\n") });
      }
      this.data = [];
      this.event = "";
      return;
    }
    if (line.startsWith(":")) {
      this.onComment(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }
}
