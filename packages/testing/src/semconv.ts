// Attribute names the kit reads. Copied (not imported) so the kit reads traces from any process,
// including ones that never loaded @agentrace/decorators.

/** The run's correlation id, put on every span of a run by agentrace. */
export const ATTR_CORRELATION_ID = 'agentrace.correlation_id';
/** Stable OTel exception event and its attributes. */
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
