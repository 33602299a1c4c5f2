// npm run client:types: rewrites packages/client/src/events.ts from the event catalogue.
import { writeFile } from 'node:fs/promises';
import { eventTypesFile, renderEventTypes } from './renderEventTypes.ts';

await writeFile(eventTypesFile, await renderEventTypes());
console.log(`wrote ${eventTypesFile}`);
