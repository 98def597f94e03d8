// The console's one way to the server: JSON requests with the access token, one refresh at
// a time when tokens expire (several calls getting 401 together wait for the same refresh),
// and the API's JSON errors as `ApiError`. The refresh token is kept in localStorage so a
// wall screen survives a reload; the access token only in memory.

const KEY = 'cunxiang.console';
let access = null;
let refreshing = null;

/** An error answer of the API: `status`, `code`, `message`, `details`. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.details = e.details || {};
  }
}

function stored() {
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { return null; }
}

function keep(answer) {
  access = answer.access_token;
  const prev = stored() || {};
  localStorage.setItem(KEY, JSON.stringify({
    refresh_token: answer.refresh_token,
    user: answer.user || prev.user,
  }));
}

/** The logged-in user as the log-in answered, or null. */
export function me() {
  const s = stored();
  return s ? s.user : null;
}

/** Logs in with a staff account's user name and password. */
export async function login(username, password) {
  const res = await fetch('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  keep(body);
  return body.user;
}

/** Forgets the session. */
export function logout() {
  access = null;
  localStorage.removeItem(KEY);
}

async function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const s = stored();
      if (!s || !s.refresh_token) throw new ApiError(401, null);
      const res = await fetch('/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        if (res.status === 401 || res.status === 400) logout();
        throw new ApiError(res.status, body);
      }
      keep(body);
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** A valid access token (refreshing first when there is none). */
export async function token() {
  if (!access) await refresh();
  return access;
}

/** Forces a new access token (after a 401 on a stream). */
export async function renew() {
  access = null;
  return token();
}

/**
 * Calls the API: `path` with `opts.method`, JSON `opts.body` or a FormData `opts.form`.
 * Resolves with the parsed JSON (null for 204); rejects with ApiError.
 */
export async function api(path, opts = {}) {
  const send = async () => {
    const headers = { authorization: 'Bearer ' + (await token()) };
    let body;
    if (opts.form) body = opts.form;
    else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    return fetch(path, { method: opts.method || 'GET', headers, body });
  };
  let res = await send();
  if (res.status === 401) {
    access = null;
    res = await send();
  }
  if (res.status === 204) return null;
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** Builds a query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** A photo the caller may see, as an object URL for an <img> (photos need the token). */
export async function photoUrl(path) {
  const res = await fetch(path, { headers: { authorization: 'Bearer ' + (await token()) } });
  if (!res.ok) throw new ApiError(res.status, null);
  return URL.createObjectURL(await res.blob());
}

/** Uploads one photo (`File`); resolves with its media id. */
export async function upload(file) {
  const form = new FormData();
  form.append('file', file, file.name || 'photo.jpg');
  const media = await api('/v1/media', { method: 'POST', form });
  return media.id;
}
