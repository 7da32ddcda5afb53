// Kept equal to package.json's version by test/resource-says-what-the-process-is.test.ts.
export const VERSION = '0.1.0';
