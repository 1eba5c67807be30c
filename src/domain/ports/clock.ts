// The time source services and jobs use, injected by the composition root (tests pass a fixed or stepping one).
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
