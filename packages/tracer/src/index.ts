export { installGlobals } from './globals.js';
export { createPropagator } from './propagation.js';
