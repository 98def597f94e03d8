/**
 * The WeChat mini-program transport: `wx.request` for calls, `wx.uploadFile` for photos and
 * `wx.request` with `enableChunked` for the event stream. WeChat answers every HTTP status
 * through `success` (with `statusCode`) and calls `fail` only when nothing came back; its
 * runtime has no `fetch`, `Request`, `Headers` or `FormData`, so small stand-ins are
 * installed (only where missing) for openapi-fetch to use.
 */
import { NetworkError } from "./errors.js";
import type { KeyValueStorage } from "./storage.js";
import type { OpenedStream, PhotoFile, RawAnswer, Transport } from "./transport.js";
import { utf8Decoder } from "./utf8.js";

type Callback<T> = (res: T) => void;
/** What WeChat's `fail` callbacks get. */
export interface WxFail {
  errMsg: string;
}
/** The part of the `wx` object this client uses (the mini-program's global `wx`). */
export interface WxApi {
  request(o: {
    url: string;
    method?: string;
    header?: Record<string, string>;
    data?: string | ArrayBuffer;
    dataType?: string;
    responseType?: "text" | "arraybuffer";
    enableChunked?: boolean;
    timeout?: number;
    success?: Callback<{ statusCode: number; data: unknown; header: Record<string, string> }>;
    fail?: Callback<WxFail>;
  }): {
    abort(): void;
    onHeadersReceived?(cb: Callback<{ header: Record<string, string>; statusCode?: number }>): void;
    onChunkReceived?(cb: Callback<{ data: ArrayBuffer }>): void;
  };
  uploadFile(o: {
    url: string;
    filePath: string;
    name: string;
    header?: Record<string, string>;
    timeout?: number;
    success?: Callback<{ statusCode: number; data: string }>;
    fail?: Callback<WxFail>;
  }): { abort(): void };
  login(o: { timeout?: number; success?: Callback<{ code: string }>; fail?: Callback<WxFail> }): void;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
  removeStorageSync(key: string): void;
  getStorageInfoSync(): { keys: string[] };
  getImageInfo?(o: {
    src: string;
    success?: Callback<{ width: number; height: number; orientation?: string }>;
    fail?: Callback<WxFail>;
  }): void;
  compressImage?(o: {
    src: string;
    quality?: number;
    compressedWidth?: number;
    compressedHeight?: number;
    success?: Callback<{ tempFilePath: string }>;
    fail?: Callback<WxFail>;
  }): void;
}

/** Case-insensitive headers (WeChat has no `Headers`). */
export class WxHeaders {
  private map = new Map<string, [string, string]>();
  constructor(init?: Record<string, string> | Iterable<[string, string]> | WxHeaders) {
    if (!init) return;
    const entries = init instanceof WxHeaders ? init.entries() : Symbol.iterator in Object(init)
      ? (init as Iterable<[string, string]>)
      : Object.entries(init as Record<string, string>);
    for (const [k, v] of entries) this.set(k, v);
  }
  get(k: string): string | null {
    return this.map.get(k.toLowerCase())?.[1] ?? null;
  }
  set(k: string, v: string): void {
    this.map.set(k.toLowerCase(), [k, String(v)]);
  }
  append(k: string, v: string): void {
    const old = this.get(k);
    this.set(k, old === null ? v : `${old}, ${v}`);
  }
  delete(k: string): void {
    this.map.delete(k.toLowerCase());
  }
  has(k: string): boolean {
    return this.map.has(k.toLowerCase());
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [, pair] of this.map) yield [pair[0], pair[1]];
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  forEach(f: (v: string, k: string) => void): void {
    for (const [k, v] of this.entries()) f(v, k);
  }
  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** A `Request` stand-in: what openapi-fetch builds and the wx `fetch` reads. */
export class WxRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: WxHeaders;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
  constructor(input: string | WxRequest, init: { method?: string; headers?: unknown; body?: unknown; signal?: AbortSignal } = {}) {
    const from = typeof input === "string" ? undefined : input;
    this.url = typeof input === "string" ? input : input.url;
    this.method = (init.method ?? from?.method ?? "GET").toUpperCase();
    this.headers = new WxHeaders((init.headers ?? from?.headers) as Record<string, string> | undefined);
    const body = init.body ?? from?.body;
    if (body !== undefined && body !== null && typeof body !== "string") {
      throw new TypeError("wx requests carry text bodies only (photos go through wx.uploadFile)");
    }
    this.body = body ?? undefined;
    this.signal = init.signal ?? from?.signal;
  }
  clone(): WxRequest {
    return new WxRequest(this);
  }
}

/** A `Response` stand-in holding a whole text body. */
export class WxResponse {
  readonly headers: WxHeaders;
  readonly body = null;
  constructor(
    readonly status: number,
    header: Record<string, string>,
    private readonly textBody: string,
  ) {
    this.headers = new WxHeaders(header);
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  async text(): Promise<string> {
    return this.textBody;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.textBody);
  }
  clone(): WxResponse {
    return new WxResponse(this.status, this.headers.toObject(), this.textBody);
  }
}

/** Installs `Headers`, `FormData` and `AbortController` stand-ins where the runtime has none. */
function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Headers === "undefined") g.Headers = WxHeaders;
  if (typeof g.FormData === "undefined") g.FormData = class FormData {};
  if (typeof g.AbortController === "undefined") g.AbortController = WxAbortController;
}

/** Just enough of `AbortController` for this client (older WeChat base libraries lack it). */
class WxAbortController {
  readonly signal = {
    aborted: false,
    listeners: new Set<() => void>(),
    addEventListener(_: string, f: () => void) {
      this.listeners.add(f);
    },
    removeEventListener(_: string, f: () => void) {
      this.listeners.delete(f);
    },
  };
  abort(): void {
    if (this.signal.aborted) return;
    this.signal.aborted = true;
    for (const f of [...this.signal.listeners]) f();
  }
}

/** The WeChat transport over the mini-program's `wx`. */
export function wxTransport(wx: WxApi, options: { timeoutMs?: number } = {}): Transport {
  installGlobals();
  const timeout = options.timeoutMs ?? 60_000;
  const fetch = (request: WxRequest): Promise<WxResponse> =>
    new Promise((resolve, reject) => {
      const task = wx.request({
        url: request.url,
        method: request.method,
        header: request.headers.toObject(),
        data: request.body,
        dataType: "text",
        responseType: "text",
        timeout,
        success: (res) => {
          const text = typeof res.data === "string" ? res.data : res.data == null ? "" : JSON.stringify(res.data);
          resolve(new WxResponse(res.statusCode, res.header ?? {}, text));
        },
        fail: (err) => reject(new NetworkError(`no answer: ${err.errMsg}`)),
      });
      request.signal?.addEventListener("abort", () => task.abort());
    });
  return {
    Request: WxRequest as unknown as typeof Request,
    fetch: fetch as unknown as Transport["fetch"],
    upload: (url, headers, photo: PhotoFile, signal) =>
      new Promise<RawAnswer>((resolve, reject) => {
        if (!("path" in photo)) return reject(new TypeError("the wx transport uploads file paths"));
        const task = wx.uploadFile({
          url,
          filePath: photo.path,
          name: "file",
          header: headers,
          timeout,
          success: (res) => resolve({ status: res.statusCode, header: () => null, text: String(res.data ?? "") }),
          fail: (err) => reject(new NetworkError(`upload failed: ${err.errMsg}`)),
        });
        signal?.addEventListener("abort", () => task.abort());
      }),
    stream: (url, headers, onChunk, signal) => wxStream(wx, url, headers, onChunk, signal),
  };
}

/** A streaming GET over `enableChunked`; frames are handed on as they come (split anywhere). */
function wxStream(
  wx: WxApi,
  url: string,
  headers: Record<string, string>,
  onChunk: (bytes: Uint8Array) => void,
  signal: AbortSignal,
): Promise<OpenedStream> {
  return new Promise((resolveOpen, rejectOpen) => {
    let opened = false;
    let status = 0;
    let header: Record<string, string> = {};
    const held: Uint8Array[] = [];
    let endOk!: () => void;
    let endFail!: (e: unknown) => void;
    const ended = new Promise<void>((res, rej) => {
      endOk = res;
      endFail = rej;
    });
    ended.catch(() => {});
    const get = (n: string) => new WxHeaders(header).get(n);
    const failText = () => {
      const d = utf8Decoder();
      return held.map((b) => d.decode(b)).join("");
    };
    const task = wx.request({
      url,
      method: "GET",
      header: headers,
      enableChunked: true,
      responseType: "arraybuffer",
      timeout: 24 * 3600 * 1000,
      success: (res) => {
        status = res.statusCode || status;
        header = res.header ?? header;
        if (!opened) {
          opened = true;
          if (status !== 200 && res.data instanceof ArrayBuffer && !held.length) held.push(new Uint8Array(res.data));
          resolveOpen({ status, header: get, text: failText(), ended: Promise.resolve() });
        }
        endOk();
      },
      fail: (err) => {
        const e = new NetworkError(`stream broken: ${err.errMsg}`);
        if (!opened) {
          opened = true;
          rejectOpen(e);
        } else if (signal.aborted) endOk();
        else endFail(e);
      },
    });
    task.onHeadersReceived?.((res) => {
      header = res.header ?? {};
      status = res.statusCode ?? 200;
      if (status === 200 && !opened) {
        opened = true;
        resolveOpen({ status, header: get, text: "", ended });
      }
    });
    task.onChunkReceived?.((res) => {
      const bytes = new Uint8Array(res.data);
      if (status === 200) onChunk(bytes);
      else held.push(bytes);
    });
    signal.addEventListener("abort", () => task.abort());
  });
}

/** WeChat's storage (`wx.getStorageSync` …) as the client's storage. */
export function wxStorage(wx: WxApi): KeyValueStorage {
  return {
    get: (k) => {
      const v = wx.getStorageSync(k);
      return typeof v === "string" && v !== "" ? v : null;
    },
    set: (k, v) => wx.setStorageSync(k, v),
    remove: (k) => wx.removeStorageSync(k),
    keys: (p) => wx.getStorageInfoSync().keys.filter((k) => k.startsWith(p)),
  };
}

/** A `wx.login` code (for `auth.loginWithWechat`). */
export function wxLoginCode(wx: WxApi): Promise<string> {
  return new Promise((resolve, reject) =>
    wx.login({
      timeout: 10_000,
      success: (res) => resolve(res.code),
      fail: (err) => reject(new NetworkError(`wx.login failed: ${err.errMsg}`)),
    }),
  );
}

/**
 * A photo made small before it leaves the phone: `wx.compressImage` to about `maxSide` px on
 * the longer side (WeChat applies the orientation), quality 80. Returns the new file path.
 */
export function wxShrinkPhoto(wx: WxApi, path: string, maxSide = 1600): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!wx.getImageInfo || !wx.compressImage) return resolve(path);
    const fail = (err: WxFail) => reject(new Error(`photo could not be made smaller: ${err.errMsg}`));
    wx.getImageInfo({
      src: path,
      fail,
      success: (info) => {
        const turned = /(left|right)/.test(info.orientation ?? "");
        const w = turned ? info.height : info.width;
        const h = turned ? info.width : info.height;
        if (Math.max(w, h) <= maxSide) return resolve(path);
        const size = w >= h ? { compressedWidth: maxSide } : { compressedHeight: maxSide };
        wx.compressImage?.({ src: path, quality: 80, ...size, fail, success: (r) => resolve(r.tempFilePath) });
      },
    });
  });
}
