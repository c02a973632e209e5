#!/usr/bin/env node
// Prints vitest's result as one plain closing line ("N passed, N failed, N skipped")
// that CI systems read, from the JSON report `pnpm test` writes.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(new URL('../../test-results/vitest.json', import.meta.url), 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exitCode = report.numFailedTests > 0 || report.numTotalTests === 0 ? 1 : 0;
