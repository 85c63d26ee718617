// Requests to the admin API from the page. The browser sends the session cookie by itself; a
// change also carries the session's CSRF token, which only this page knows.

let csrf = null;

export const setCsrf = (token) => {
  csrf = token;
};

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(json?.error?.message ?? `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return json;
}

export const targetPath = (pool, id) => `/api/pools/${encodeURIComponent(pool)}/targets/${encodeURIComponent(id)}`;
