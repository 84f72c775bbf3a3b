import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { writeFileAtomic } from '../base/atomic-file.js';
import { isBrokerError } from '../base/errors.js';
import { assertSocketDir, ensureSocketDir } from '../base/private-path.js';
import {
  dataDirPath,
  recordedRuntimeDir,
  type RuntimePaths,
  runtimePaths,
  socketPathsFit,
  socketsIn,
  xdgRuntimeDir,
} from './paths.js';

function reusable(dir: string | undefined): dir is string {
  if (dir === undefined || !socketPathsFit(dir) || !existsSync(dir)) return false;
  try {
    assertSocketDir(dir);
    return true;
  } catch (error) {
    if (isBrokerError(error, 'PATH_UNSAFE')) return false;
    throw error;
  }
}

/**
 * The serving broker's socket folder, created private (0700) and checked (issue 9 point 4):
 * `<dataDir>/run` when its socket paths fit; else the folder recorded in `<dataDir>/runtime-dir` if it
 * is still ours; else `$XDG_RUNTIME_DIR/mcp-auth-broker/<key>`; else a fresh random 0700 folder in
 * the temp dir (mkdtemp, so no one can plant it first). A folder other than `<dataDir>/run` is
 * recorded in the data dir, where clients (`connect`, the CLI) read it.
 *
 * @throws BrokerError `PATH_UNSAFE` when the folder exists and is not private to this user.
 */
export function prepareRuntimePaths(dataDir: string, env: NodeJS.ProcessEnv = process.env): RuntimePaths {
  if (process.platform === 'win32') return runtimePaths(dataDir, 'win32', env);
  const own = dataDirPath(dataDir, 'runDir');
  if (socketPathsFit(own)) {
    ensureSocketDir(own);
    return socketsIn(own);
  }
  const recorded = recordedRuntimeDir(dataDir);
  if (reusable(recorded)) return socketsIn(recorded);
  let dir = xdgRuntimeDir(dataDir, env);
  if (dir !== undefined && socketPathsFit(dir)) {
    ensureSocketDir(dirname(dir));
    ensureSocketDir(dir);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'mab-run-'));
    assertSocketDir(dir);
  }
  writeFileAtomic(dataDirPath(dataDir, 'runtimeRecord'), `${dir}\n`);
  return socketsIn(dir);
}
