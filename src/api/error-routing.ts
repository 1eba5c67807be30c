// Which protocol's error body answers a URL when no route's error handler can (unknown URLs, errors Fastify
// or Node's HTTP parser raise before routing), and the bounded drain that lets a client sending an oversized
// body read its 413 instead of a reset connection.
import type { IncomingMessage } from 'node:http';
import { AppError, reasonPhrase, toAppError } from '../domain/errors.js';
import { renderCbrError } from './cbr/errors.js';
import { renderFault } from './cinder/faults.js';
import { renderHssError } from './hss/errors.js';
import { keystoneErrorBody } from './iam/plugin.js';
import { cbrErrorBody } from './opencbr/errors.js';

/** An error's HTTP status and body in one protocol's error format. */
export type ErrorRenderer = (error: unknown) => { status: number; body: unknown };

const withOwnStatus =
  (body: (err: AppError) => unknown): ErrorRenderer =>
  (error) => {
    const err = toAppError(error);
    return { status: err.status, body: body(err) };
  };

/**
 * The error format of the protocol whose URL space a URL falls in (first match wins; default: CBR's).
 * Answers no route gives (unknown URLs, errors Fastify raises before routing) use it.
 */
const PROTOCOL_ERRORS: Array<{ test: (url: string) => boolean; render: ErrorRenderer }> = [
  {
    // Keystone's token calls and project lists also answer at the root (/v3/auth/…, /v3/projects, /v3/users/…).
    test: (u) => /^\/(identity|v3\/auth|v3\/projects|v3\/users)([/?]|$)/.test(u),
    render: withOwnStatus(keystoneErrorBody),
  },
  {
    test: (u) => u === '/volume' || u.startsWith('/volume/') || u.startsWith('/volume?'),
    render: renderFault,
  },
  { test: (u) => u === '/v5' || u.startsWith('/v5/') || u.startsWith('/v5?'), render: renderHssError },
  { test: (u) => u.startsWith('/opencbr/'), render: withOwnStatus(cbrErrorBody) },
];

const renderCbr: ErrorRenderer = withOwnStatus(renderCbrError);

/** Renders an error in the format of the protocol that serves `url`. */
export function renderErrorFor(url: string): ErrorRenderer {
  return PROTOCOL_ERRORS.find((r) => r.test(url))?.render ?? renderCbr;
}

/**
 * Bytes of an oversized request body read and thrown away before the 413 goes out: a client still sending
 * when the socket closes gets a reset instead of the answer. Past this the connection is cut.
 */
const OVERSIZED_DRAIN_FACTOR = 8;
const OVERSIZED_DRAIN_MIN = 64 * 1024 * 1024;
const OVERSIZED_DRAIN_MS = 30_000;

/** Half of Node's default 16 KiB header limit: past the limit, a longer request line is a URL too long. */
const MAX_REQUEST_LINE = 8 * 1024;

/**
 * The raw HTTP answer to a request Node's HTTP parser refused (no Fastify request exists): the URL, when the
 * bytes received show it, picks the protocol's body.
 */
export function clientErrorAnswer(error: Error, renderError: (url: string) => ErrorRenderer): string {
  const err = error as NodeJS.ErrnoException & { rawPacket?: Buffer };
  const raw = err.rawPacket?.subarray(0, 64 * 1024).toString('latin1') ?? '';
  const url = /^[A-Z]+ (\S+)/.exec(raw)?.[1] ?? '/';
  let appError: AppError;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') appError = new AppError('request_timeout');
  else if (err.code === 'HPE_HEADER_OVERFLOW') {
    const requestLine = raw.split('\r\n', 1)[0] ?? '';
    appError = new AppError(requestLine.length > MAX_REQUEST_LINE ? 'uri_too_long' : 'headers_too_large');
  } else appError = new AppError('malformed_request');
  const { status, body } = renderError(url)(appError);
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`
  );
}

/** Reads and throws away the rest of an oversized body (bounded in bytes and time). */
export function drainOversizedBody(raw: IncomingMessage, bodyLimit: number): Promise<void> {
  const maxBytes = Math.max(OVERSIZED_DRAIN_MIN, OVERSIZED_DRAIN_FACTOR * bodyLimit);
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        raw.destroy();
        done();
      }
    };
    const timer = setTimeout(done, OVERSIZED_DRAIN_MS);
    timer.unref();
    raw.on('data', onData);
    raw.on('end', done);
    raw.on('error', done);
    raw.resume();
  });
}
