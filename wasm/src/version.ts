// The package version, in every event's `sdk` field (a test keeps it equal to package.json's).
export const VERSION = '0.1.0';
