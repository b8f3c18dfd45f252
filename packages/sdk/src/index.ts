/** Placeholder until the SDK lands (issue 4): the package must build. */
export const SDK_VERSION = "0.1.0";
