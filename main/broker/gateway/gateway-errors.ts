import { type CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { isBrokerError, messageOf } from '../base/errors.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { redactData } from '../upstreams/upstream-connection.js';

/**
 * JSON-RPC errors the gateway answers with. All of them are `McpError`s, so the SDK server of the
 * front layer turns them into error responses as they are; messages are scrubbed of known secrets.
 */

/**
 * The upstream server behind a tool, prompt or resource is not running (failed to start, crashed,
 * stopped or disabled). Note: the SDK uses the same number for its client-side `RequestTimeout`.
 */
export const SERVER_UNAVAILABLE_CODE = -32001;

/** MCP's "resource not found". */
export const RESOURCE_NOT_FOUND_CODE = -32002;

/** The broker config (tool filter) or the client's scope does not allow this tool or prompt. */
export const ACCESS_DENIED_CODE = -32003;

/** The SDK prefixes `MCP error <code>: ` to McpError messages; strip it before wrapping again. */
function bareMessage(error: McpError): string {
  return error.message.replace(/^MCP error -?\d+: /, '');
}

/**
 * Any failure of a routed request as an McpError for the client: upstream McpErrors keep their
 * code, an unavailable server gets `SERVER_UNAVAILABLE_CODE`, anything else is an internal error.
 */
export function toMcpError(error: unknown, redactor: SecretRedactor): McpError {
  if (error instanceof McpError) {
    const data: unknown = error.data === undefined ? undefined : redactData(redactor, error.data);
    return new McpError(error.code, redactor.redact(bareMessage(error)), data);
  }
  const credentials = isBrokerError(error, 'SIGNIN_NEEDED') || isBrokerError(error, 'TOKEN_REFRESH_FAILED');
  if (isBrokerError(error, 'SERVER_UNAVAILABLE') || credentials) {
    return new McpError(SERVER_UNAVAILABLE_CODE, redactor.redact(error.message));
  }
  return new McpError(ErrorCode.InternalError, redactor.redact(messageOf(error)));
}

/**
 * A tool result as it may go to the client. An `isError` result is the server talking about what
 * went wrong, where a quoted key line is a leak: every string in it is scrubbed of known values and
 * of each line of multi-line ones. A successful result is the person's data: only whole known
 * values are scrubbed, so content that merely shares a line with a secret stays intact.
 */
export function redactToolResult(result: CallToolResult, redactor: SecretRedactor): CallToolResult {
  return redactor.redactDeep(result, result.isError !== true) as CallToolResult;
}

/** `Unknown tool "x"` (or prompt), as MCP asks for unknown names. */
export function unknownNameError(kind: 'tool' | 'prompt', name: string): McpError {
  return new McpError(
    ErrorCode.InvalidParams,
    `Unknown ${kind} "${name.slice(0, 100)}". List the ${kind}s again: the server may have changed them.`,
  );
}

/** `Unknown resource "uri"`. */
export function unknownResourceError(uri: string): McpError {
  return new McpError(RESOURCE_NOT_FOUND_CODE, `Unknown resource "${uri.slice(0, 200)}".`, { uri });
}

/** Access denied by the config's tool filter or by the client's scope. */
export function accessDeniedError(kind: 'tool' | 'prompt', name: string, reason: string): McpError {
  return new McpError(ACCESS_DENIED_CODE, `The ${kind} "${name}" is not allowed: ${reason}.`);
}

/** The `errorCode` to audit for a failed call. */
export function auditErrorCode(error: unknown): string | number {
  if (error instanceof McpError) return error.code;
  if (isBrokerError(error)) return error.code;
  return 'INTERNAL';
}
