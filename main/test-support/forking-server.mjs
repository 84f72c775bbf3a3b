#!/usr/bin/env node
// A stdio MCP server that starts a long-lived child of its own first, like `npx mcp-remote …`
// (npx stays the parent, node runs mcp-remote): the fixture server (fixture-server.mjs, same env)
// plus a grandchild of the broker that inherits stdout and stderr and writes its pid to a file.
//
// Env (besides fixture-server.mjs's):
//   FIXTURE_GRANDCHILD_PIDFILE  the grandchild's pid is appended to this file, one per line
//   FIXTURE_GRANDCHILD_IGNORE_TERM  "1": the grandchild ignores SIGTERM (only SIGKILL ends it)
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const pidFile = process.env.FIXTURE_GRANDCHILD_PIDFILE;
if (pidFile) {
  const ignoreTerm = process.env.FIXTURE_GRANDCHILD_IGNORE_TERM === '1';
  const body = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['-e', body], { stdio: ['ignore', 'inherit', 'inherit'] });
  child.unref();
  appendFileSync(pidFile, `${String(child.pid)}\n`);
}
await import('./fixture-server.mjs');
