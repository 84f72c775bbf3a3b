/**
 * Waits until `done()` holds, re-checking each time `subscribe`'s listener fires, or until
 * `timeoutMs` passes. Resolves either way; the caller checks the state again afterwards.
 *
 * @param subscribe adds a listener and returns the function that removes it.
 */
export function waitUntil(
  subscribe: (listener: () => void) => () => void,
  done: () => boolean,
  timeoutMs: number,
): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    const unsubscribe = subscribe(() => {
      if (done()) finish();
    });
  });
}
