// What a test file opened, closed when the file ends: the last opened first, as `defer` would.
import { after } from 'node:test';

const steps: Array<() => Promise<void> | void> = [];

/** Runs `close` when the test file ends, before whatever was registered earlier. */
export function onCleanup(close: () => Promise<void> | void): void {
  steps.push(close);
}

after(async () => {
  for (const close of steps.splice(0).reverse()) await close();
});
