#!/usr/bin/env node
// The physical floor of `npm run bench`: the least a Node process can do per newline-JSON message.
//
//   floor-peer.mjs echo                  answers each JSON-RPC line on stdin with a result on stdout
//   floor-peer.mjs echo-socket <path>    the same on a Unix socket at <path>; prints "ready" once listening
//   floor-peer.mjs relay <path>          copies stdin to the socket at <path> and the socket to stdout
//
// `echo` stands for an MCP server (parses, answers), `relay` for a hop that only moves bytes, so the
// chain client → relay → echo-socket is the bare minimum of the shim → broker path's process layout.
import { createConnection, createServer } from 'node:net';

/** Calls `onLine` for each newline-terminated line of `stream`. */
function lines(stream, onLine) {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });
}

function answer(line) {
  const request = JSON.parse(line);
  return `${JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text: request.params.text }] } })}\n`;
}

const [mode, path] = process.argv.slice(2);
if (mode === 'echo') {
  lines(process.stdin, (line) => process.stdout.write(answer(line)));
} else if (mode === 'echo-socket') {
  const server = createServer((socket) => lines(socket, (line) => socket.write(answer(line))));
  server.listen(path, () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'relay') {
  const socket = createConnection(path);
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  socket.on('close', () => process.exit(0));
} else {
  process.stderr.write('usage: floor-peer.mjs echo | echo-socket <path> | relay <path>\n');
  process.exit(2);
}
