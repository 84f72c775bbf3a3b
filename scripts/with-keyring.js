#!/usr/bin/env node
// Runs a command with a private, unlocked Secret Service so keychain tests use the real thing:
//
//   node scripts/with-keyring.js <command> [args…]
//
// On Linux with dbus-run-session and gnome-keyring-daemon installed, the command runs on a private
// session bus with a gnome-keyring unlocked by a throwaway password; the keyring's state lives in a
// temp dir (XDG_DATA_HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR) removed afterwards, so
// the person's own keyring is never touched. HOME is left alone. Elsewhere (not Linux, already
// wrapped, tools missing) the command runs as is. The command's exit code or signal is passed on.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const WRAPPED_ENV = 'MCP_AUTH_BROKER_KEYRING_WRAPPED';
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const UNLOCK_SCRIPT =
  'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null ' +
  '|| { echo "with-keyring: gnome-keyring-daemon --unlock failed" >&2; exit 1; }; exec "$@"';
/** dbus-daemon cannot raise its fd limit in containers; the line is harmless noise. */
const NOISE = /Failed to set fd limit/;
/** How long to wait for the rest of the command's stderr once it has exited. */
const STDERR_GRACE_MS = 300;

/** True when an executable called `name` is on PATH. */
function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Copies `from` to `to` line by line, dropping the lines that match NOISE; resolves at the end. */
function filterLines(from, to) {
  let pending = '';
  from.setEncoding('utf8');
  from.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!NOISE.test(line)) to.write(`${line}\n`);
  });
  return new Promise((resolve) => {
    from.on('close', () => {
      if (pending !== '' && !NOISE.test(pending)) to.write(pending);
      resolve();
    });
  });
}

/**
 * Spawns and waits; resolves with how the child ended. Signals sent to us are passed on. Waits for the
 * child's exit, not for its stderr to close: a daemon started inside may keep that pipe open.
 */
function run(command, args, options, targets = (child) => [child.pid]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, options);
    const forward = (signal) => {
      for (const pid of targets(child)) signalPid(pid, signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const drained = child.stderr ? filterLines(child.stderr, process.stderr) : Promise.resolve();
    const done = (result) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(result);
    };
    child.on('error', (error) => {
      process.stderr.write(`with-keyring: cannot run ${command}: ${error.message}\n`);
      done({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => {
      const grace = new Promise((settle) => setTimeout(settle, STDERR_GRACE_MS).unref());
      void Promise.race([drained, grace]).then(() => {
        child.stderr?.destroy();
        done({ code, signal });
      });
    });
  });
}

/** Ids of the processes currently running (Linux). */
function processIds() {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

function signalPid(pid, signal) {
  try {
    if (pid !== undefined) process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * The command inside dbus-run-session: its child other than dbus-daemon. dbus-run-session does not
 * pass signals on, so they go to the command itself; dbus-run-session then exits with its status.
 */
function commandPids(session) {
  const pids = [];
  for (const pid of processIds()) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after ")".
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [comm, rest] = [
        stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        stat.slice(stat.lastIndexOf(')') + 2),
      ];
      if (Number(rest.split(' ')[1]) === session.pid && comm !== 'dbus-daemon') pids.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return pids.length > 0 ? pids : [session.pid];
}

/** Makes the temp XDG folders and returns the environment that points at them. */
function privateEnv(root) {
  const dirs = {
    XDG_DATA_HOME: join(root, 'data'),
    XDG_CACHE_HOME: join(root, 'cache'),
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_RUNTIME_DIR: join(root, 'run'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { ...process.env, ...dirs, [WRAPPED_ENV]: '1' };
}

/**
 * gnome-keyring-daemon often outlives its bus, so stop the ones this run started: they are the only
 * processes whose XDG_RUNTIME_DIR is our private temp folder.
 */
function stopKeyringDaemons(runDir) {
  const marker = `\0XDG_RUNTIME_DIR=${runDir}\0`;
  for (const pid of processIds()) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('gnome-keyring')) continue;
      if (!`\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}`.includes(marker)) continue;
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // gone already, or not ours to read
    }
  }
}

async function main(argv) {
  if (argv.length === 0) {
    process.stderr.write('usage: node scripts/with-keyring.js <command> [args…]\n');
    return { code: 2, signal: null };
  }
  const [command, ...args] = argv;
  const direct = { stdio: 'inherit', shell: process.platform === 'win32' };
  if (process.env[WRAPPED_ENV] || process.platform !== 'linux') return run(command, args, direct);
  if (!['dbus-run-session', 'gnome-keyring-daemon', 'bash'].every((name) => onPath(name))) {
    process.stderr.write(
      'with-keyring: gnome-keyring/dbus-run-session not installed; keychain-backed tests will be skipped ' +
        '(apt-get install gnome-keyring dbus-daemon to run them)\n',
    );
    return run(command, args, direct);
  }
  const root = mkdtempSync(join(tmpdir(), 'mab-keyring-'));
  try {
    return await run(
      'dbus-run-session',
      ['--', 'bash', '-c', UNLOCK_SCRIPT, '_', command, ...args],
      {
        stdio: ['inherit', 'inherit', 'pipe'],
        env: privateEnv(root),
      },
      commandPids,
    );
  } finally {
    stopKeyringDaemons(join(root, 'run'));
    rmSync(root, { recursive: true, force: true });
  }
}

const { code, signal } = await main(process.argv.slice(2));
if (signal) {
  process.kill(process.pid, signal);
} else {
  process.exitCode = code ?? 1;
}
