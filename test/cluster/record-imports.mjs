// Loaded with `node --import`: appends the URL of every module the process resolves to the
// file named by RTW_IMPORT_LOG, so a test can tell which packages a command loaded.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(${JSON.stringify(process.env.RTW_IMPORT_LOG)}, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
