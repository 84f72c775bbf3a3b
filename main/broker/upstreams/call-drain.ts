/**
 * Counts the requests in flight to one server and can hold new ones back: a restart "between calls"
 * (live credential rotation) first closes the gate, waits until the calls in flight are done, restarts,
 * then opens the gate again — so no call reaches the old process after the restart was decided. The
 * wait is bounded (REL-3): a call that never answers cannot hold every other caller behind the gate.
 */
export class CallDrain {
  private active = 0;
  private gate: Promise<void> | undefined;
  private openGate: () => void = () => undefined;
  private idleWaiters: (() => void)[] = [];

  /** Waits while the gate is closed, then counts the caller in. Pair with `leave()`. */
  async enter(): Promise<void> {
    while (this.gate) await this.gate;
    this.active += 1;
  }

  leave(): void {
    this.active -= 1;
    if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /**
   * Closes the gate now (synchronously) and resolves once no request is in flight, or after
   * `timeoutMs` with the number of requests still running (0 when it drained).
   */
  drain(timeoutMs: number): Promise<number> {
    this.gate ??= new Promise<void>((resolve) => (this.openGate = resolve));
    if (this.active === 0) return Promise.resolve(0);
    return new Promise<number>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(0);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== wake);
        resolve(this.active);
      }, timeoutMs);
      timer.unref();
      this.idleWaiters.push(wake);
    });
  }

  /** Opens the gate: held requests go on. */
  release(): void {
    const open = this.openGate;
    this.gate = undefined;
    open();
  }
}
