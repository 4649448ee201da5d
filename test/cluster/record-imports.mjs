// Loaded with `node --import`: appends the URL of every module the process resolves, and at
// exit the built-in modules it loaded (`node:internal/...`), to the file named by
// RTW_IMPORT_LOG, so a test can tell which packages a command loaded.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

const log = process.env.RTW_IMPORT_LOG;
const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule '));
  appendFileSync(log, builtins.map((m) => `node:${m.slice('NativeModule '.length)}\n`).join(''));
});
