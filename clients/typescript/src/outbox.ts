/**
 * Filing a report on a bad network (上报). The draft is written to the storage before anything
 * is sent, with an Idempotency-Key made once; each photo is uploaded with its own retries,
 * then the report is sent with that same key until the server answers — so a retry after a
 * lost answer gets the report made the first time, never a second one. Waits grow with full
 * jitter; `wake()` (e.g. on the `online` event) retries at once. With a lasting storage, a
 * page closed half-way picks its drafts up again with `resume()`.
 */
import { ApiError, isRetryable, NetworkError, retryAfterSeconds } from "./errors.js";
import type { Location } from "./geo.js";
import { backoff, DEFAULT_RETRY, type RetryPolicy, Waiter } from "./retry.js";
import { safeJson, type Session } from "./session.js";
import type { KeyValueStorage } from "./storage.js";
import { type PhotoFile, readText, type Transport } from "./transport.js";
import type { CreateReport, Media, Report } from "./types.js";

/** What the villager files. */
export interface NewReport {
  category: string;
  description?: string;
  location?: Location;
  address?: string;
  /** Up to nine photos, made small on the phone first (see `shrink`). */
  photos?: PhotoFile[];
  anonymous?: boolean;
  channel?: CreateReport["channel"];
}

/** Where a draft is. */
export type DraftState = "queued" | "uploading" | "submitting" | "waiting" | "failed";

/** A report on its way, as kept in the storage. */
export interface Draft {
  id: string;
  /** The Idempotency-Key, made once when the draft was made. */
  key: string;
  created_at: string;
  report: Omit<CreateReport, "media_ids">;
  photos: { stored: string | null; media_id: string | null; attempts: number }[];
  state: DraftState;
  /** Times the report was sent. */
  attempts: number;
  /** The exact body sent the first time (a retry must send the same). */
  body: string | null;
  /** Why it waits or failed. */
  error: { status: number | null; code: string; message: string } | null;
  /** When the next try is due (ms since the epoch), while waiting. */
  next_at: number | null;
}

/** A photo made ready to upload, with the position it was taken at, if known. */
export type Shrink = (photo: PhotoFile) => Promise<{ file: PhotoFile; gps: { lat: number; lon: number } | null }>;

/** What the outbox needs from the client. */
export interface OutboxDeps {
  baseUrl: string;
  transport: Transport;
  session: Session;
  storage: KeyValueStorage;
  prefix: string;
  retry?: RetryPolicy;
  shrink?: Shrink;
  channel?: CreateReport["channel"];
}

/** What listeners hear: a draft changed, was sent (with its report) or was discarded. */
export type OutboxNotice =
  | { kind: "changed"; draft: Draft }
  | { kind: "sent"; draft: Draft; report: Report }
  | { kind: "discarded"; id: string };

/** The drafts of one client. */
export class Outbox {
  private running = new Map<string, Promise<Report>>();
  private listeners = new Set<(n: OutboxNotice) => void>();
  private waiter = new Waiter();
  private stop = new AbortController();

  constructor(private readonly deps: OutboxDeps) {}

  /** Makes a draft (photos made small, key made) and keeps it; nothing is sent yet. */
  async add(input: NewReport): Promise<Draft> {
    const id = uuid();
    const photos: Draft["photos"] = [];
    let location = input.location;
    for (const [i, raw] of (input.photos ?? []).entries()) {
      const { file, gps } = this.deps.shrink ? await this.deps.shrink(raw) : { file: raw, gps: null };
      location ??= gps ? { lat: gps.lat, lon: gps.lon, coord_system: "wgs84" } : undefined;
      const stored = `${this.deps.prefix}photo.${id}.${i}`;
      await this.deps.storage.set(stored, await encodePhoto(file));
      photos.push({ stored, media_id: null, attempts: 0 });
    }
    const report: Draft["report"] = { category: input.category, channel: input.channel ?? this.deps.channel };
    if (input.description) report.description = input.description;
    if (location) report.location = location;
    if (input.address) report.address = input.address;
    if (input.anonymous) report.anonymous = true;
    const draft: Draft = {
      id,
      key: uuid(),
      created_at: new Date().toISOString(),
      report,
      photos,
      state: "queued",
      attempts: 0,
      body: null,
      error: null,
      next_at: null,
    };
    await this.save(draft);
    return draft;
  }

  /** Makes a draft and sends it; resolves with the report (see `send`). */
  async file(input: NewReport): Promise<Report> {
    return this.send((await this.add(input)).id);
  }

  /**
   * Sends a draft until the server answers: the report (201, or 200 for a retry the server
   * had already taken), or an error that trying again cannot mend (the draft is then
   * `failed`, kept for the villager to see). Logged out: it waits for the next log-in.
   */
  send(id: string): Promise<Report> {
    let p = this.running.get(id);
    if (!p) {
      p = this.run(id).finally(() => this.running.delete(id));
      this.running.set(id, p);
    }
    return p;
  }

  /** Sends every kept draft that has not failed (after a restart, a log-in or `online`). */
  async resume(): Promise<void> {
    const drafts = await this.list();
    await Promise.allSettled(drafts.filter((d) => d.state !== "failed").map((d) => this.send(d.id)));
  }

  /** The kept drafts, oldest first. */
  async list(): Promise<Draft[]> {
    const keys = await this.deps.storage.keys(`${this.deps.prefix}draft.`);
    const drafts = await Promise.all(keys.map((k) => this.load(k.slice(`${this.deps.prefix}draft.`.length))));
    return drafts.filter((d): d is Draft => !!d).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Retries every waiting draft now. */
  wake(): void {
    this.waiter.wake();
  }

  /** Stops sending (the page is going away); kept drafts stay for `resume`. */
  close(): void {
    this.stop.abort();
    this.waiter.wake();
  }

  /** Drops a draft and its photos (only when it is not being sent). */
  async discard(id: string): Promise<void> {
    if (this.running.has(id)) throw new Error("the draft is being sent");
    const d = await this.load(id);
    for (const p of d?.photos ?? []) if (p.stored) await this.deps.storage.remove(p.stored);
    await this.deps.storage.remove(`${this.deps.prefix}draft.${id}`);
    this.notify({ kind: "discarded", id });
  }

  /** Hears every change; returns the function that stops it. */
  subscribe(listener: (n: OutboxNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async run(id: string): Promise<Report> {
    const d = await this.load(id);
    if (!d) throw new Error(`no draft ${id}`);
    for (const photo of d.photos) {
      while (!photo.media_id) {
        await this.set(d, { state: "uploading" });
        try {
          const media = await this.upload(photo.stored);
          if (photo.stored) await this.deps.storage.remove(photo.stored);
          photo.media_id = media.id;
          photo.stored = null;
          await this.save(d);
        } catch (e) {
          photo.attempts += 1;
          await this.failOrWait(d, e, photo.attempts);
        }
      }
    }
    if (d.body === null) {
      const body: CreateReport = { ...d.report };
      if (d.photos.length) body.media_ids = d.photos.map((p) => p.media_id as string);
      d.body = JSON.stringify(body);
    }
    for (;;) {
      await this.set(d, { state: "submitting", attempts: d.attempts + 1 });
      try {
        const report = await this.submit(d);
        await this.deps.storage.remove(`${this.deps.prefix}draft.${d.id}`);
        this.notify({ kind: "sent", draft: d, report });
        return report;
      } catch (e) {
        await this.failOrWait(d, e, d.attempts);
      }
    }
  }

  private async upload(stored: string | null): Promise<Media> {
    const raw = stored ? await this.deps.storage.get(stored) : null;
    if (!raw) throw new ApiError(0, { error: { code: "photo_lost", message: "照片已丢失，请重新选择" } });
    const photo = decodePhoto(raw);
    const answer = await this.deps.session.withAuth((h) =>
      this.deps.transport.upload(`${this.deps.baseUrl}/v1/media`, h, photo, this.stop.signal),
    );
    if (answer.status === 200 || answer.status === 201) return JSON.parse(answer.text) as Media;
    throw new ApiError(answer.status, safeJson(answer.text), retryAfterSeconds(answer.header("Retry-After")));
  }

  private async submit(d: Draft): Promise<Report> {
    const { Request } = this.deps.transport;
    const res = await this.deps.session.withAuth((h) =>
      this.deps.transport.fetch(
        new Request(`${this.deps.baseUrl}/v1/reports`, {
          method: "POST",
          headers: { ...h, "Content-Type": "application/json", "Idempotency-Key": d.key },
          body: d.body,
          signal: this.stop.signal,
        }),
      ),
    );
    const text = await readText(res);
    if (res.status === 200 || res.status === 201) return JSON.parse(text) as Report;
    throw new ApiError(res.status, safeJson(text), retryAfterSeconds(res.headers.get("Retry-After")));
  }

  /** After a failed try: waits (retryable, or logged out) or marks the draft failed and throws. */
  private async failOrWait(d: Draft, e: unknown, attempt: number): Promise<void> {
    if (this.stop.signal.aborted) throw new Error("the outbox was closed");
    const error = describe(e);
    if (e instanceof ApiError && e.status === 401) {
      await this.set(d, { state: "waiting", error, next_at: null });
      throw e;
    }
    if (!isRetryable(e)) {
      await this.set(d, { state: "failed", error, next_at: null });
      throw e;
    }
    const policy = this.deps.retry ?? DEFAULT_RETRY;
    const ms = backoff(attempt - 1, policy, e instanceof ApiError ? e.retryAfter : undefined);
    await this.set(d, { state: "waiting", error, next_at: Date.now() + ms });
    if (!(await this.waiter.wait(ms, this.stop.signal))) throw new Error("the outbox was closed");
  }

  private async set(d: Draft, change: Partial<Draft>): Promise<void> {
    Object.assign(d, change);
    if (change.state && change.state !== "waiting" && change.state !== "failed") d.next_at = null;
    await this.save(d);
  }

  private async save(d: Draft): Promise<void> {
    await this.deps.storage.set(`${this.deps.prefix}draft.${d.id}`, JSON.stringify(d));
    this.notify({ kind: "changed", draft: JSON.parse(JSON.stringify(d)) as Draft });
  }

  private async load(id: string): Promise<Draft | null> {
    const raw = await this.deps.storage.get(`${this.deps.prefix}draft.${id}`);
    return raw ? (safeJson(raw) as Draft | null) : null;
  }

  private notify(n: OutboxNotice): void {
    for (const l of this.listeners) l(n);
  }
}

function describe(e: unknown): NonNullable<Draft["error"]> {
  if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof NetworkError) return { status: null, code: "network", message: e.message };
  return { status: null, code: "client", message: (e as Error)?.message ?? String(e) };
}

/** A random UUID (v4). */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A photo as a string for the storage: a file path as is, a Blob's bytes in base64. */
async function encodePhoto(photo: PhotoFile): Promise<string> {
  if (typeof Blob === "undefined" || !(photo instanceof Blob)) return JSON.stringify({ path: (photo as { path: string }).path });
  const bytes = new Uint8Array(await photo.arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return JSON.stringify({ type: photo.type || "image/jpeg", b64: btoa(bin) });
}

function decodePhoto(raw: string): PhotoFile {
  const v = JSON.parse(raw) as { path?: string; type?: string; b64?: string };
  if (v.path) return { path: v.path };
  const bin = atob(v.b64 ?? "");
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: v.type });
}
