// `npm start`: the whole system on loopback, on embedded defaults.
import { runMain } from '@sketchyaf/core';
import { loadLocalStackConfig } from './localStackConfig.ts';
import { startLocalStack } from './localStack.ts';

const print = (line: string): void => {
  console.log(line);
};

await runMain(() => startLocalStack({ config: loadLocalStackConfig(process.env), env: process.env, print }), {
  name: 'sketchyaf-realtime',
  report: print,
});
