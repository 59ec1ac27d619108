// Public surface; filled by the package's issue.
export {};
