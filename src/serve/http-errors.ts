/**
 * How `attn serve` words its errors: the API's `{"error": {"message", "type"}}` body, Fastify's
 * errors (bad JSON, too large, schema) as the API's status and type, the raw answer to a request
 * Node's HTTP parser refused or that did not arrive in time, and `ListenError` for an address the
 * server cannot listen on.
 */
import { ApiError } from './model-worker.js';

/** The API's error body. */
export const errorBody = (message: string, type: string) => ({ error: { message, type } });

/** A Fastify error (bad JSON, too large, wrong content type, schema) as the API's status and type. */
export function apiErrorOf(err: unknown, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { statusCode?: number; message?: string; validation?: unknown; code?: string };
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (e.validation) return new ApiError(400, 'invalid_request_error', `invalid request: ${e.message}`);
  const type = status === 404 ? 'not_found_error' : status === 503 ? 'unavailable_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  const message = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `the request body is larger than the limit of ${bodyLimit} bytes` : (e.message ?? String(err));
  return new ApiError(status, type, message);
}

const CLIENT_ERROR_STATUS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * The answer to a request Node's HTTP parser refused or that did not arrive in time, in the API's
 * error shape, as a raw HTTP message (there is no reply object at that stage); the socket is then closed.
 */
export function clientErrorAnswer(err: { code?: string; message?: string }, requestTimeoutMs: number): string {
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, `the request did not arrive in full within ${requestTimeoutMs} ms`]
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request headers are larger than the server accepts (16 KiB in all, by default)']
    : [400, `malformed HTTP request: ${err.message ?? err.code ?? 'unknown error'}`];
  const body = JSON.stringify(errorBody(message, 'invalid_request_error'));
  const length = new TextEncoder().encode(body).length;
  return `HTTP/1.1 ${status} ${CLIENT_ERROR_STATUS[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * The server could not listen on its address: the port is taken (`EADDRINUSE`), needs privileges
 * (`EACCES`), the host is not this machine's (`EADDRNOTAVAIL`) or does not resolve (`ENOTFOUND`).
 * Carries the address as data.
 *
 * ```ts
 * try { await startServer({ models, port: 8080 }); } catch (e) { if (e instanceof ListenError) console.error(e.port, e.code); }
 * ```
 */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(readonly host: string, readonly port: number, readonly code: ListenErrorCode, options?: { cause?: unknown }) {
    super(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${LISTEN_PROBLEMS[code]}`, options);
  }
}

/** The reasons `startServer` words as a `ListenError`. */
export type ListenErrorCode = 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL' | 'ENOTFOUND';
const LISTEN_PROBLEMS: Record<ListenErrorCode, string> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: "the address is not one of this machine's",
  ENOTFOUND: 'the host name does not resolve',
};

/** Whether a listen failure's `code` is one `ListenError` words. */
export function isListenErrorCode(code: unknown): code is ListenErrorCode {
  return typeof code === 'string' && code in LISTEN_PROBLEMS;
}
