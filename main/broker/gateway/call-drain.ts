/**
 * Counts the requests in flight to one server and can hold new ones back: a restart "between calls"
 * (live credential rotation) first closes the gate, waits until the calls in flight are done, restarts,
 * then opens the gate again — so no call is lost or cut off, and no call reaches the old process
 * after the restart was decided.
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

  /** Closes the gate now (synchronously) and resolves once no request is in flight. */
  drain(): Promise<void> {
    this.gate ??= new Promise<void>((resolve) => (this.openGate = resolve));
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Opens the gate: held requests go on. */
  release(): void {
    const open = this.openGate;
    this.gate = undefined;
    open();
  }
}
