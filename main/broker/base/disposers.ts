/**
 * What a composition root has started, so it can stop it: each piece adds its disposer as it starts,
 * and `dispose()` runs them in reverse order (last started, first stopped), on a failed start and on
 * close alike. A disposer that throws is reported and does not keep the others from running.
 */
export class Disposers {
  private readonly list: { name: string; dispose: () => unknown }[] = [];
  private disposed = false;

  /** Registers `dispose` for the piece `name` that just started. */
  add(name: string, dispose: () => unknown): void {
    if (this.disposed) throw new Error(`"${name}" started after its owner was closed`);
    this.list.push({ name, dispose });
  }

  /** Runs every disposer once, newest first, awaiting each. Safe to call twice. */
  async dispose(onError: (name: string, error: unknown) => void): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const { name, dispose } of this.list.reverse()) {
      try {
        await dispose();
      } catch (error) {
        onError(name, error);
      }
    }
    this.list.length = 0;
  }
}
