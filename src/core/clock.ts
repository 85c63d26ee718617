// Time is a dependency: the health checker and anything that schedules takes a Clock, so unit
// tests drive a fake one instead of sleeping.
export interface TimerHandle {
  readonly id: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock = (): Clock => ({
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return { id: t };
  },
  clearTimeout: (h) => {
    clearTimeout(h.id as NodeJS.Timeout);
  },
});
