// A periodic pass run by the serving process (backup policies today): started by the composition root
// with the context's clock, so what a pass does is a service and when it runs is decided in one place.
// One pass at a time: a tick that comes while the last pass is still running is skipped, not queued.

export interface SchedulerOptions {
  /** Named in the log when a pass fails. */
  name: string;
  everyMs: number;
  /** The clock each pass is given (the context's `now`). */
  now: () => Date;
  pass: (now: Date) => Promise<unknown>;
  log: { warn(obj: object, msg: string): void };
}

export interface Scheduler {
  /** Runs a pass now unless one is running; resolves when the pass (or the running one) is done. */
  tick(): Promise<void>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startScheduler(opts: SchedulerOptions): Scheduler {
  let current: Promise<void> | null = null;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (current) return current;
    if (stopped) return Promise.resolve();
    current = opts
      .pass(opts.now())
      .then(
        () => undefined,
        (err: unknown) => opts.log.warn({ err }, `${opts.name} pass failed`),
      )
      .finally(() => {
        current = null;
      });
    return current;
  };
  const timer = setInterval(() => void tick(), opts.everyMs);
  // The process ends when its listeners close; a pending pass must not keep it alive.
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (current) await current;
    },
  };
}
