/**
 * The live event stream (`GET /v1/events`) over whatever the transport streams with: `fetch`
 * bodies in browsers and Node, `enableChunked` in WeChat (EventSource cannot send the
 * `Authorization` header, nor exists in mini-programs). It reconnects by itself — when the
 * token it was opened with runs out (the server ends the stream then), when the server
 * restarts, when the network drops — and resumes with `Last-Event-ID`, so nothing is missed
 * and nothing comes twice.
 */
import { ApiError, isRetryable } from "./errors.js";
import { backoff, DEFAULT_RETRY, type RetryPolicy, Waiter } from "./retry.js";
import { type Session, safeJson } from "./session.js";
import { SseParser } from "./sse.js";
import type { KeyValueStorage } from "./storage.js";
import type { Transport } from "./transport.js";
import type { StreamMessage } from "./types.js";

/** How to follow the stream. */
export interface EventStreamOptions {
  /** Each event, in order. */
  onEvent: (message: StreamMessage, meta: { id: string | undefined; event: string }) => void;
  /** The stream is (again) open. */
  onOpen?: () => void;
  /** A failure; the stream retries unless the error is final (then `closed` is true). */
  onError?: (error: unknown, closed: boolean) => void;
  /** Resume after this `seq` (otherwise the one kept in the storage, otherwise from now). */
  lastEventId?: string;
  /** Keep the last `seq` here, so a reopened page resumes where it stopped. */
  storage?: KeyValueStorage;
  storageKey?: string;
  retry?: RetryPolicy;
}

/** A followed stream. */
export interface EventStream {
  /** Stops following. */
  close(): void;
  /** The last `seq` received. */
  lastEventId(): string | undefined;
  /** Settles when the stream is closed for good. */
  done: Promise<void>;
}

/** Opens the stream and keeps it open until `close()`. */
export function openEventStream(
  deps: { baseUrl: string; transport: Transport; session: Session },
  o: EventStreamOptions,
): EventStream {
  const stop = new AbortController();
  const waiter = new Waiter();
  const sleep = (ms: number, signal: AbortSignal) => waiter.wait(ms, signal);
  let last = o.lastEventId;
  let attempt = 0;
  const loop = async () => {
    if (last === undefined && o.storage && o.storageKey) last = (await o.storage.get(o.storageKey)) ?? undefined;
    while (!stop.signal.aborted) {
      let heard = false;
      try {
        const parser = new SseParser(
          (ev) => {
            heard = true;
            if (ev.id) {
              last = ev.id;
              if (o.storage && o.storageKey) void o.storage.set(o.storageKey, ev.id);
            }
            const msg = safeJson(ev.data) as StreamMessage | null;
            if (msg) o.onEvent(msg, { id: ev.id, event: ev.event });
          },
          () => {
            heard = true;
          },
        );
        const opened = await deps.session.withAuth((h) => {
          const headers: Record<string, string> = { ...h, Accept: "text/event-stream" };
          if (last) headers["Last-Event-ID"] = last;
          return deps.transport.stream(`${deps.baseUrl}/v1/events`, headers, (b) => parser.push(b), stop.signal);
        });
        if (opened.status !== 200) throw new ApiError(opened.status, safeJson(opened.text));
        o.onOpen?.();
        await opened.ended;
        if (heard) attempt = 0;
        else attempt += 1;
        if (stop.signal.aborted) return;
        // The server ended it (token expiry, restart): come back at once, a little spread.
        await sleep(heard ? Math.random() * 500 : backoff(attempt, o.retry ?? DEFAULT_RETRY), stop.signal);
      } catch (e) {
        if (stop.signal.aborted) return;
        const final = !isRetryable(e) && e instanceof ApiError;
        o.onError?.(e, final);
        if (final) return;
        attempt = heard ? 1 : attempt + 1;
        const after = e instanceof ApiError ? e.retryAfter : undefined;
        await sleep(backoff(attempt - 1, o.retry ?? DEFAULT_RETRY, after), stop.signal);
      }
    }
  };
  const done = loop();
  return { close: () => stop.abort(), lastEventId: () => last, done };
}
