// The ports the domain owns: what the services need from persistence, job storage and time.
export type { IdentityStore } from '../identity-service.js';
export type { InventoryStore } from '../inventory.js';
export * from './cbr-repositories.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type * from './jobs.js';
export type * from './unit-of-work.js';
