// An ES module app that imports BullMQ and fastq at the top of its entry file, before its code calls
// init(): static imports run first, so no module hook sees them load. BullMQ's classes are patched
// when init() finds them in the module cache; fastq's factory, already held by the app, cannot be,
// and init() says so.
import { Queue } from 'bullmq';
import fastq from 'fastq';
import { init } from '@agentrace/tracer';

init();
if (typeof Queue !== 'function' || typeof fastq !== 'function') throw new Error('imports failed');
await import('./bullmq.mjs');
