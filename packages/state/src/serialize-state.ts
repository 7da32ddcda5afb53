// The one place this package turns a state value into text: the serializer shared with input/output
// capture in @agentrace/decorators (same limits, same redaction, never throws), so a snapshot never
// shows what a captured argument would hide. Kept behind this name so a change of serializer is one line.
export { serializeValue as serializeState, type SerializeOptions as StateSerializeOptions } from '@agentrace/core';
