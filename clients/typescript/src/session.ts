/**
 * The log-in session: the tokens, kept in the storage so a reopened page is still logged in,
 * put on every call, and refreshed when they run out. Refresh tokens rotate on every use and
 * a spent one presented again revokes the whole family, so exactly one refresh runs at a
 * time: calls that get 401 together wait for the same refresh, and pages of the same origin
 * (tabs) take a Web Lock and re-read the storage before refreshing.
 */
import { ApiError, NetworkError } from "./errors.js";
import type { KeyValueStorage } from "./storage.js";
import { readText, type Transport } from "./transport.js";
import type { TokenResponse, User } from "./types.js";

/** What is kept of a log-in. */
export interface Tokens {
  access: string;
  refresh: string | undefined;
  /** When the access token runs out (ms since the epoch). */
  expiresAt: number;
  user: User | undefined;
}

/** Refresh this long before the access token runs out, to spare a 401 round trip on 2G. */
const EARLY_MS = 30_000;

type LockManager = { request<T>(name: string, f: () => Promise<T>): Promise<T> };

/** The session of one client. */
export class Session {
  private loaded: Promise<Tokens | null> | undefined;
  private current: Tokens | null = null;
  private refreshing: Promise<Tokens | null> | null = null;
  /** How many refreshes this client sent (for tests and diagnostics). */
  refreshCount = 0;

  constructor(
    private readonly transport: Transport,
    private readonly baseUrl: string,
    private readonly storage: KeyValueStorage,
    private readonly key: string,
    private readonly onEnd: () => void,
  ) {}

  /** The tokens, loaded from the storage on first use; `null` when logged out. */
  async tokens(): Promise<Tokens | null> {
    this.loaded ??= this.read().then((t) => (this.current = t));
    await this.loaded;
    return this.current;
  }

  /** The logged-in user (as of the log-in), if any. */
  async user(): Promise<User | undefined> {
    return (await this.tokens())?.user;
  }

  /** Keeps the tokens of a log-in or refresh answer. */
  async accept(answer: TokenResponse): Promise<Tokens> {
    const t: Tokens = {
      access: answer.access_token,
      refresh: answer.refresh_token,
      expiresAt: Date.now() + answer.expires_in * 1000,
      user: answer.user ?? this.current?.user,
    };
    this.current = t;
    this.loaded = Promise.resolve(t);
    await this.storage.set(this.key, JSON.stringify(t));
    return t;
  }

  /** Forgets the session here and in the storage. */
  async clear(): Promise<void> {
    this.current = null;
    this.loaded = Promise.resolve(null);
    await this.storage.remove(this.key);
  }

  /**
   * Runs `call` with the `Authorization` header; on 401 refreshes (once, shared with every
   * other call that got 401 meanwhile) and runs it again with the new token.
   */
  async withAuth<T extends { status: number }>(call: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    let t = await this.tokens();
    if (t?.refresh && t.expiresAt - Date.now() < EARLY_MS) {
      const old = t;
      // A refresh that finds no network is no reason to fail a call the old token still allows.
      t = await this.refreshAfter(old.access).catch((e: unknown) => {
        if (old.expiresAt > Date.now() && e instanceof NetworkError) return old;
        throw e;
      });
    }
    const answer = await call(t ? { Authorization: `Bearer ${t.access}` } : {});
    if (answer.status !== 401 || !t?.refresh) return answer;
    const fresh = await this.refreshAfter(t.access);
    return fresh ? call({ Authorization: `Bearer ${fresh.access}` }) : answer;
  }

  /** `fetch` with the session's token, for openapi-fetch. */
  readonly fetch = (request: Request): Promise<Response> =>
    this.withAuth((headers) => {
      const r = request.clone();
      for (const [k, v] of Object.entries(headers)) r.headers.set(k, v);
      return this.transport.fetch(r);
    });

  /**
   * New tokens after `failed` (the access token a call was refused with) stopped working: the
   * ones another call already fetched, or a refresh. `null` when the session is over.
   */
  refreshAfter(failed: string): Promise<Tokens | null> {
    if (this.current && this.current.access !== failed) return Promise.resolve(this.current);
    this.refreshing ??= this.locked(() => this.refresh(failed)).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(failed: string): Promise<Tokens | null> {
    // Another page of this origin may have refreshed meanwhile: its tokens are in the storage.
    const stored = await this.read();
    if (stored && stored.access !== failed && stored.refresh !== this.current?.refresh) {
      this.current = stored;
      this.loaded = Promise.resolve(stored);
      return stored;
    }
    const spent = this.current?.refresh;
    if (!spent) return null;
    this.refreshCount += 1;
    const req = new this.transport.Request(`${this.baseUrl}/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: spent }),
    });
    const res = await this.transport.fetch(req);
    const text = await readText(res);
    if (res.status === 200) return this.accept(JSON.parse(text) as TokenResponse);
    if (res.status === 401) {
      await this.clear();
      this.onEnd();
      return null;
    }
    throw new ApiError(res.status, safeJson(text));
  }

  private async locked<T>(f: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    return locks ? locks.request(`cunxiang-refresh:${this.key}`, f) : f();
  }

  private async read(): Promise<Tokens | null> {
    const raw = await this.storage.get(this.key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Tokens;
    } catch {
      return null;
    }
  }
}

/** JSON or `null`. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
