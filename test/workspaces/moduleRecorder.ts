// Loaded with `node --import`: records the URL of every module the process
// resolves (import and require alike) and writes them as JSON to the file
// named by MODULE_LOG when the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const resolved = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  const log = process.env.MODULE_LOG;
  if (log !== undefined) writeFileSync(log, JSON.stringify([...resolved]));
});
