// Attribute names the kit reads.

export { ATTR_CORRELATION_ID } from '@agentrace/core';
/** Stable OTel exception event and its attributes. */
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
