import { MAX_LOG_LINES, ServerLogBatchSchema, ServerLogResponseSchema } from '../../contract/control-api.js';
import { BrokerError, isBrokerError } from '../base/errors.js';
import { requestControl } from '../control/control-client.js';
import { streamControl } from '../control/control-stream.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';

export const logsHelp = `Usage: mcp-auth-broker logs SERVER [-n N] [-f] [--config FILE] [--data-dir DIR]

Prints the last N lines (default 100) of a stdio server's stderr, as the running broker kept them in
<data dir>/server-logs/SERVER.log (bounded, rotated, secrets redacted). Each line starts with its time;
lines between "──" are the broker's own (the server started, exited).
  -n N      how many lines (0 to ${String(MAX_LOG_LINES)})
  -f        keep printing new lines as the server writes them (Ctrl-C to stop)`;

function lineCount(text: string | undefined): number {
  if (text === undefined) return 100;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0 || count > MAX_LOG_LINES)
    throw new BrokerError(
      'USAGE',
      `-n must be a whole number from 0 to ${String(MAX_LOG_LINES)}, got "${text}".`,
    );
  return count;
}

/** `mcp-auth-broker logs SERVER [-n N] [-f]`: reads (and follows) a server's log through the broker. */
export async function logsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { n: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } },
    true,
  );
  if (values.help) return (writeLine(io.stdout, logsHelp), 0);
  const [server, ...extra] = positionals;
  if (server === undefined || extra.length > 0)
    throw new BrokerError('USAGE', `logs takes one server name.\n\n${logsHelp}`);
  const lines = lineCount(values.n);
  const { dataDir } = locations(values, io.env);
  const path = `/servers/${encodeURIComponent(server)}/logs`;
  try {
    if (!values.follow) {
      const body = await requestControl(
        dataDir,
        'GET',
        `${path}?lines=${String(lines)}`,
        ServerLogResponseSchema,
      );
      for (const line of body.lines) writeLine(io.stdout, line);
      return 0;
    }
    const print = (batch: { lines: string[] }) => batch.lines.forEach((line) => writeLine(io.stdout, line));
    await streamControl(
      dataDir,
      `${path}/follow`,
      { lines },
      ServerLogBatchSchema,
      print,
      7 * 24 * 3_600_000,
    );
    writeLine(io.stderr, 'The broker stopped; no more lines.');
    return 0;
  } catch (error) {
    if (!isBrokerError(error, 'BROKER_UNREACHABLE')) throw error;
    throw new BrokerError(
      'BROKER_UNREACHABLE',
      `The broker is not running for this data dir; its server logs are in ${dataDir}/server-logs/.`,
      { cause: error },
    );
  }
}
