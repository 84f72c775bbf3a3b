import { BrokerError } from '../base/errors.js';
import type { CliIo } from './cli-context.js';

/** Reads a whole piped stdin; drops one trailing newline (what `echo` and here-strings add). */
export async function readPiped(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Prompts on a terminal without echoing what is typed. */
function readHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new BrokerError('USAGE', 'Cancelled.'));
          return;
        }
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

/** The secret value for `secret set`: from stdin, never from argv. Empty values are refused. */
export async function readSecretValue(io: CliIo, name: string): Promise<string> {
  const value = io.stdin.isTTY
    ? await readHidden(io, `Value for secret "${name}" (input hidden): `)
    : await readPiped(io.stdin);
  if (value.length === 0) {
    throw new BrokerError(
      'USAGE',
      `No value given for "${name}". Pipe it in, e.g.: printf %s "$TOKEN" | mcp-auth-broker secret set ${name}`,
    );
  }
  return value;
}
