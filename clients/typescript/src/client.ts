/**
 * `createCunxiang`: one object with everything a frontend needs — the typed API (every path
 * of `openapi.yaml`, through openapi-fetch, with the session's token), log-in, the outbox for
 * filing reports and the live stream.
 */
import createClient, { type Client } from "openapi-fetch";
import { ApiError, retryAfterSeconds } from "./errors.js";
import { type EventStream, type EventStreamOptions, openEventStream } from "./events.js";
import { Outbox, type Shrink } from "./outbox.js";
import { shrinkPhoto } from "./photo.js";
import type { RetryPolicy } from "./retry.js";
import { Session } from "./session.js";
import { type KeyValueStorage, memoryStorage } from "./storage.js";
import { fetchTransport, type Transport } from "./transport.js";
import type { CreateReport, paths, TokenResponse } from "./types.js";

/** How to make a client. */
export interface CunxiangOptions {
  /** The server, e.g. `https://cunxiang.example.gov.cn` (no trailing slash needed). */
  baseUrl: string;
  /** `fetchTransport()` (the default) or `wxTransport(wx)`. */
  transport?: Transport;
  /** Where the session and drafts are kept (default: in memory, lost with the page). */
  storage?: KeyValueStorage;
  /** Prefix of every storage key (default `cunxiang.`). */
  storagePrefix?: string;
  /** The channel reports are filed through (default `mini_program`, the server's default). */
  channel?: CreateReport["channel"];
  /** How photos are made small before upload (default: canvas in browsers, none elsewhere). */
  shrink?: Shrink | null;
  /** Retry spacing for filing and the stream. */
  retry?: RetryPolicy;
  /** Called when the session ends (refresh refused): show the log-in again. */
  onSessionEnd?: () => void;
}

/** The client. */
export interface Cunxiang {
  /** Every API path, typed: `api.GET("/v1/reports/{id}", { params: { path: { id } } })`. */
  api: Client<paths>;
  session: Session;
  outbox: Outbox;
  transport: Transport;
  auth: {
    /** Sends a six-digit code by SMS (`POST /v1/auth/otp`). */
    requestCode(phone: string): Promise<{ expires_in: number }>;
    /** Logs in with the phone and the code. */
    loginWithCode(phone: string, code: string): Promise<TokenResponse>;
    /** Logs in with a `wx.login` code (see `wxLoginCode`). */
    loginWithWechat(code: string): Promise<TokenResponse>;
    /** Logs staff in with a username and password. */
    loginWithPassword(username: string, password: string): Promise<TokenResponse>;
    /** Forgets the session on this phone. */
    logout(): Promise<void>;
  };
  /** Follows the live stream (`GET /v1/events`). */
  events(options: EventStreamOptions): EventStream;
}

/** Makes a client. */
export function createCunxiang(options: CunxiangOptions): Cunxiang {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const transport = options.transport ?? fetchTransport();
  const storage = options.storage ?? memoryStorage();
  const prefix = options.storagePrefix ?? "cunxiang.";
  const session = new Session(transport, baseUrl, storage, `${prefix}session`, options.onSessionEnd ?? (() => {}));
  const api = createClient<paths>({ baseUrl, fetch: session.fetch, Request: transport.Request });
  const shrink = options.shrink === undefined ? defaultShrink() : (options.shrink ?? undefined);
  const outbox = new Outbox({ baseUrl, transport, session, storage, prefix, retry: options.retry, shrink, channel: options.channel });
  const logIn = async (p: Promise<{ data?: TokenResponse; error?: unknown; response: Response }>) => {
    const answer = await ok(p);
    await session.accept(answer);
    // Drafts that waited for a log-in go now.
    void outbox.resume();
    return answer;
  };
  return {
    api,
    session,
    outbox,
    transport,
    auth: {
      requestCode: (phone) => ok(api.POST("/v1/auth/otp", { body: { phone } })),
      loginWithCode: (phone, code) => logIn(api.POST("/v1/auth/login", { body: { phone, code } })),
      loginWithWechat: (code) => logIn(api.POST("/v1/auth/wechat", { body: { code } })),
      loginWithPassword: (username, password) => logIn(api.POST("/v1/auth/login", { body: { username, password } })),
      logout: () => session.clear(),
    },
    events: (o) => openEventStream({ baseUrl, transport, session }, o),
  };
}

/** The data of a successful openapi-fetch answer; an `ApiError` otherwise. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  throw new ApiError(response.status, error ?? null, retryAfterSeconds(response.headers.get("Retry-After")));
}

function defaultShrink(): Shrink | undefined {
  if (typeof createImageBitmap === "undefined" && typeof document === "undefined") return undefined;
  return async (photo) => {
    if (!(photo instanceof Blob)) return { file: photo, gps: null };
    const s = await shrinkPhoto(photo);
    return { file: s.file, gps: s.gps };
  };
}
