#!/usr/bin/env node
// Part of `npm run build`: bundles the built CLI (dist/main/broker/cli/index.js and everything it
// imports, npm packages included) into one file beside it, which bin/mcp-auth-broker.js runs for every
// command but `connect`. Loading ~500 small ES modules one by one is most of `serve`'s start-up time
// and a good part of its idle memory (issue 11 point 5); one file parses once. The native keychain
// module stays a normal import. The bundle lives in dist/main/broker/cli/ so the few
// `import.meta.url`-relative paths (the window's assets, the demo server) resolve as in dist/.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/main/broker/cli/index.js'],
  outfile: 'dist/main/broker/cli/cli-bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@napi-rs/keyring', 'electron'],
  // jsonc-parser's UMD main loads its parts with a require() esbuild cannot follow; its ESM build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // CommonJS packages inside an ES module bundle still expect require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundlePath } from 'node:url';",
      "import { dirname as __bundleDir } from 'node:path';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundlePath(import.meta.url);',
      'const __dirname = __bundleDir(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
