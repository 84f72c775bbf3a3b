// Lets plain Node 20 run the project's TypeScript sources without a build, for tests that need a real
// child process (e.g. one started without a D-Bus session):
//
//   node --import ./scripts/register-ts.js --input-type=module -e "import('./main/x.ts')"
//
// Each `.ts` file is transpiled on its own with the project's TypeScript (no type check), and a
// relative `./x.js` import falls back to `./x.ts` the way tsc's NodeNext resolution does.
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

// Imported with --import on the main thread: install this same file as the loader hooks, which
// Node runs on its own thread.
if (isMainThread) register(import.meta.url);

/** Node resolve hook: `./x.js` that does not exist but `./x.ts` does → `./x.ts`. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const local = /^(\.{1,2}\/|\/|file:)/.test(specifier);
    if (!local || !specifier.endsWith('.js') || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

/** Node load hook: `.ts` files become ES modules transpiled by TypeScript. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const { default: ts } = await import('typescript');
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
