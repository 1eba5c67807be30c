// The API request a service call runs for. Every protocol's route reaches the services through its own
// chain of calls, so rather than threading a request id through each signature, the HTTP layer opens a scope
// per request and the one service that records it (the operation log) reads it here. Outside a request (the
// scheduler, job handlers, the CLI) there is none.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` (and everything it starts asynchronously) as part of the request `requestId`. */
export function inRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

/** The id of the request the current call runs for, or null outside one. */
export function currentRequestId(): string | null {
  return scope.getStore()?.requestId ?? null;
}
