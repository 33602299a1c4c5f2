export { dumpSchema } from './schemaDump.ts';
