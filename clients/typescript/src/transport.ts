/**
 * How requests leave the phone. A transport gives the same four things everywhere: `fetch`
 * for ordinary calls (what openapi-fetch sends with), a `Request` constructor, a photo upload
 * and a streaming GET. This file has the `fetch` transport (browsers, H5 pages, Node);
 * [`wx.ts`](./wx.ts) has WeChat's.
 */
import { NetworkError } from "./errors.js";

/** A photo as the platform holds it: a `Blob` in browsers and Node, a file path in WeChat. */
export type PhotoFile = Blob | { path: string };

/** A whole answer read as text. */
export interface RawAnswer {
  status: number;
  header(name: string): string | null;
  text: string;
}

/** An opened stream: its status, and for a failure its body. */
export interface OpenedStream {
  status: number;
  header(name: string): string | null;
  /** The body of a non-200 answer. */
  text: string;
  /** Settles when the body ends (resolves) or breaks (rejects with a `NetworkError`). */
  ended: Promise<void>;
}

/** The platform's way of talking HTTP. */
export interface Transport {
  /** Sends one request; throws `NetworkError` when no answer came. */
  fetch(request: Request): Promise<Response>;
  /** The `Request` class `fetch` accepts. */
  Request: typeof Request;
  /** `POST url` as `multipart/form-data` with the photo as part `file`. */
  upload(url: string, headers: Record<string, string>, photo: PhotoFile, signal?: AbortSignal): Promise<RawAnswer>;
  /** A GET whose body arrives piece by piece (`onChunk`), for the event stream. */
  stream(
    url: string,
    headers: Record<string, string>,
    onChunk: (bytes: Uint8Array) => void,
    signal: AbortSignal,
  ): Promise<OpenedStream>;
}

/** The `fetch` transport; `fetchImpl` defaults to the global `fetch`. */
export function fetchTransport(fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a)): Transport {
  const send = async (input: Request | string, init?: RequestInit): Promise<Response> => {
    try {
      return await fetchImpl(input, init);
    } catch (e) {
      if ((e as { name?: string }).name === "AbortError") throw e;
      throw new NetworkError(`no answer: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    Request: globalThis.Request,
    fetch: (request) => send(request),
    async upload(url, headers, photo, signal) {
      if (!(photo instanceof Blob)) throw new TypeError("the fetch transport uploads Blobs");
      const form = new FormData();
      form.append("file", photo, (photo as File).name || "photo.jpg");
      const res = await send(url, { method: "POST", headers, body: form, signal });
      const text = await readText(res);
      return { status: res.status, header: (n) => res.headers.get(n), text };
    },
    async stream(url, headers, onChunk, signal) {
      const res = await send(url, { headers, signal });
      if (res.status !== 200 || !res.body) {
        const text = await readText(res);
        return { status: res.status, header: (n) => res.headers.get(n), text, ended: Promise.resolve() };
      }
      const reader = res.body.getReader();
      const ended = (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            onChunk(value);
          }
        } catch (e) {
          if (signal.aborted) return;
          throw new NetworkError(`stream broken: ${(e as Error).message}`, { cause: e });
        }
      })();
      return { status: 200, header: (n) => res.headers.get(n), text: "", ended };
    },
  };
}

/** The whole body as text; a body cut off on the way is a `NetworkError`. */
export async function readText(res: Response): Promise<string> {
  try {
    return await res.text();
  } catch (e) {
    throw new NetworkError(`answer cut off: ${(e as Error).message}`, { cause: e });
  }
}
