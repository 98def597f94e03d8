/**
 * Where the client keeps what must outlive the page: the session and the drafts waiting to be
 * sent. Anything with string get/set/remove will do: `localStorage`, `wx.*StorageSync`
 * ([`wxStorage`](./wx.ts)), IndexedDB for photos too large for `localStorage`.
 */

/** A string key-value store; methods may return promises. */
export interface KeyValueStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /** The keys starting with `prefix` (to find drafts after a restart). */
  keys(prefix: string): string[] | Promise<string[]>;
}

/** A store that lives as long as the page (the default: nothing survives a reload). */
export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    get: (k) => map.get(k) ?? null,
    set: (k, v) => void map.set(k, v),
    remove: (k) => void map.delete(k),
    keys: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
  };
}

/** `localStorage` or `sessionStorage` (browsers, H5). */
export function webStorage(store: Storage): KeyValueStorage {
  return {
    get: (k) => store.getItem(k),
    set: (k, v) => store.setItem(k, v),
    remove: (k) => store.removeItem(k),
    keys: (p) => {
      const out: string[] = [];
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i);
        if (k?.startsWith(p)) out.push(k);
      }
      return out;
    },
  };
}

/**
 * IndexedDB (browsers, H5): room for a draft's photos, which `localStorage`'s ~5 MB cannot
 * hold. One object store of strings in the database `name`.
 */
export function indexedDbStorage(name = "cunxiang"): KeyValueStorage {
  const open = new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("kv");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const run = <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>) =>
    open.then(
      (db) =>
        new Promise<T>((resolve, reject) => {
          const tx = db.transaction("kv", mode);
          const req = f(tx.objectStore("kv"));
          tx.oncomplete = () => resolve(req.result);
          tx.onerror = () => reject(tx.error);
        }),
    );
  return {
    get: (k) => run("readonly", (s) => s.get(k) as IDBRequest<string | undefined>),
    set: (k, v) => run("readwrite", (s) => s.put(v, k)).then(() => undefined),
    remove: (k) => run("readwrite", (s) => s.delete(k)).then(() => undefined),
    keys: (p) =>
      run("readonly", (s) => s.getAllKeys(IDBKeyRange.bound(p, `${p}\uffff`))).then((ks) => ks.map(String)),
  };
}
