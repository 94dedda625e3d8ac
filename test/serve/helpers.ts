// HTTP helpers for the server tests: JSON requests, server-sent events, metrics, all on 127.0.0.1.
import http from 'node:http';

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; type: string | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (an event stream)
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') };
}

/** The `data:` payloads of an event stream, in order ('[DONE]' kept as a string). */
export function parseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      if (!block.startsWith('data: ')) throw new Error(`not a server-sent event: ${JSON.stringify(block)}`);
      const data = block.slice(6);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

/** One sample of the Prometheus text (0 when the series is absent). */
export async function metric(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Polls `check` every 25 ms, at most `ms` in all; throws with `what` if it never holds. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts a streaming POST and resolves at its first `data:` event with the raw request and
 * response, so a test can read on or hang up.
 */
export function openStream(url: string, body: unknown): Promise<{ req: http.ClientRequest; res: http.IncomingMessage; first: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 20_000 }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (first: string) => resolve({ req, res, first }));
      res.once('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('stream timed out')));
    req.end(JSON.stringify(body));
  });
}

/** The rest of a response's body. */
export function readRest(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}
