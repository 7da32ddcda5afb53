export { installGlobals } from './globals.js';
export { createPropagator } from './propagation.js';
export {
  buildTraceTrees,
  formatTraceTree,
  type FormatTraceTreeOptions,
  type TraceSpanKind,
  type TraceTree,
  type TraceTreeEvent,
  type TraceTreeNode,
} from './trace-tree.js';
