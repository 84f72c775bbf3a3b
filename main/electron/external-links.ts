/**
 * Which URLs the app may hand to the system browser (`shell.openExternal`): only http(s) URLs the
 * broker itself produced — its own browser-mode address and the verification pages of sign-ins it
 * started. Anything else (file:, custom schemes, links a page made up) is refused.
 */
export class ExternalLinks {
  private readonly allowed = new Set<string>();

  /** Records a URL the broker produced, e.g. a device flow's `verification_uri`. */
  allow(url: string): void {
    const parsed = parseHttp(url);
    if (parsed) this.allowed.add(parsed.href);
  }

  /** True when `url` is http(s) and was produced by the broker. */
  mayOpen(url: string): boolean {
    const parsed = parseHttp(url);
    return parsed !== undefined && this.allowed.has(parsed.href);
  }
}

function parseHttp(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
