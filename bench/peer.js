// The peer baseline: an SDK client → `mcp-remote` (stdio ↔ HTTP) → `supergateway` (HTTP ↔ stdio) →
// the same fixture server: the usual way to put a stdio server behind HTTP without a broker. Run only
// when both packages are already resolvable (this repo's node_modules, the global prefix or npx's
// cache); the bench never installs anything.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SERVER, spawnUntil, stdioClient, stopChild } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Folders that may hold node_modules/<name>: this repo, the global prefix, npx's cache entries. */
function candidateRoots() {
  const roots = [join(ROOT, 'node_modules')];
  try {
    roots.push(execFileSync('npm', ['root', '-g'], { encoding: 'utf8', timeout: 10_000 }).trim());
  } catch {
    // no npm on PATH: only the other places
  }
  const npx = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx');
  if (existsSync(npx)) for (const entry of readdirSync(npx)) roots.push(join(npx, entry, 'node_modules'));
  return roots;
}

/** The absolute path of package `name`'s bin script, or undefined when it is not installed anywhere. */
function resolveBin(name) {
  for (const root of candidateRoots()) {
    const manifest = join(root, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    const rel = typeof bin === 'string' ? bin : bin?.[name];
    if (rel) return join(dirname(manifest), rel);
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the peer chain; resolves with `{ client, stop }`, or with `{ skipped: reason }` when either
 * package is missing.
 */
export async function startPeerBaseline() {
  const remote = resolveBin('mcp-remote');
  const gateway = resolveBin('supergateway');
  const missing = [!remote && 'mcp-remote', !gateway && 'supergateway'].filter(Boolean);
  if (missing.length)
    return { skipped: `${missing.join(' and ')} not installed (the bench installs nothing)` };
  const port = await freePort();
  const { child } = await spawnUntil(
    [
      gateway,
      '--stdio',
      `${process.execPath} ${SERVER}`,
      '--outputTransport',
      'streamableHttp',
      '--port',
      String(port),
    ],
    /listening|Listening|port/i,
  );
  try {
    const client = await stdioClient([remote, `http://127.0.0.1:${port}/mcp`, '--allow-http']);
    return {
      client,
      stop: async () => {
        await client.close();
        await stopChild(child);
      },
    };
  } catch (error) {
    await stopChild(child);
    return { skipped: `the peer chain did not start: ${error.message.split('\n')[0]}` };
  }
}
