import { spawn } from 'node:child_process';

/**
 * Opens `url` in the person's default browser (`open` on macOS, `start` on Windows, `xdg-open`
 * elsewhere). Never throws: when nothing opens, the URL is printed anyway.
 */
export function openBrowser(url: string): Promise<void> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('spawn', () => {
        child.unref();
        resolve();
      });
    } catch {
      resolve();
    }
  });
}
