import type { UpstreamTransport } from './upstream-connection.js';

/** What a connector's transport reports besides MCP messages. */
export interface ConnectorEvents {
  /** A chunk of the child's stderr (stdio only). */
  onStderr(chunk: string | Buffer): void;
}

/** A fresh transport for one connection attempt, and the keychain secrets that reached it. */
export interface OpenedTransport {
  transport: UpstreamTransport;
  /** Secret names that reached the server (audited with `server.start`). */
  secretNames: string[];
}

/**
 * How the supervisor reaches one kind of upstream, in the SDK's `Protocol.connect(transport)`
 * shape: the connector resolves the credentials and builds an unstarted transport; the supervisor
 * owns the MCP client, connects it to that transport and keeps the lifecycle (states, generations,
 * backoff, call drain). Kinds: stdio (a spawned child) and remote (streamable HTTP, SSE, WebSocket).
 */
export interface UpstreamConnector {
  /** Resolves credentials and returns an unstarted transport; throws a BrokerError a person can act on. */
  open(events: ConnectorEvents): Promise<OpenedTransport>;
  /** Why a start failed (without the stderr tail). */
  describeStartFailure(error: unknown, transport: UpstreamTransport | undefined): string;
  /** Why a running connection ended: "it exited with code 1", "the connection to … was lost". */
  describeLoss(transport: UpstreamTransport | undefined): string;
  /**
   * True when a crash loop ends (`crashLoopLimit` failed tries in a row stop the server): a local
   * process that keeps failing needs the person. Unset for remote servers, which keep retrying at
   * the backoff ceiling so a network that comes back brings them back.
   */
  readonly endsCrashLoops?: boolean;
}
