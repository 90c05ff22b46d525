// Requests to our own API. Errors arrive as {detail, code}; they become ApiError.

export class ApiError extends Error {
  constructor(status, code, detail, retryAfter = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page, say): fall back to the status below
  }
  return new ApiError(
    response.status,
    body?.code ?? `http_${response.status}`,
    body?.detail ?? `The server answered HTTP ${response.status}.`,
    response.headers.get('Retry-After'),
  );
}

export async function getJson(path, params = {}, { headers = {}, ...init } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const response = await fetch(url, { ...init, headers: { Accept: 'application/json', ...headers } });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

export async function postJson(path, body, init = {}) {
  return sendJson('POST', path, body, init);
}

// Any method with an optional JSON body; resolves to the response (a 204 has no body to read).
export async function sendJson(method, path, body, { headers = {}, ...init } = {}) {
  const withBody = body !== undefined;
  const response = await fetch(path, {
    ...init,
    method,
    headers: { ...(withBody ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: withBody ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw await errorOf(response);
  return response;
}

// The chat stream: one JSON object per line, yielded as each line completes.
export async function* jsonLines(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line);
        newline = buffered.indexOf('\n');
      }
    }
    if (buffered.trim()) yield JSON.parse(buffered);
  } finally {
    reader.releaseLock();
  }
}
