// Prints one plain closing line for `make test` from the vitest JSON and the schemathesis JUnit
// reports, so CI (which does not read vitest's or schemathesis' own summaries) sees the counts.
// Exits non-zero when a report is missing or counts a failure: a summary that cannot fail is a defect.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.tmp/results';

function vitestCounts() {
  const file = join(dir, 'vitest.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: did the unit stage run?`);
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests,
    skipped: r.numPendingTests + r.numTodoTests,
  };
}

function junitCounts() {
  const reports = join(dir, 'contract');
  const files = existsSync(reports) ? readdirSync(reports).filter((f) => f.endsWith('.xml')) : [];
  if (files.length === 0) throw new Error(`no JUnit report in ${reports}: did the contract stage run?`);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    const xml = readFileSync(join(reports, f), 'utf8');
    for (const [, attrs] of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
      const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(attrs)?.[1] ?? 0);
      const failed = attr('failures') + attr('errors');
      const skipped = attr('skipped');
      counts.failed += failed;
      counts.skipped += skipped;
      counts.passed += attr('tests') - failed - skipped;
    }
  }
  return counts;
}

const line = (c) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
try {
  const unit = vitestCounts();
  const contract = junitCounts();
  console.log(`vitest (unit, HTTP, browser): ${line(unit)}`);
  console.log(`schemathesis (operations and the stateful phase): ${line(contract)}`);
  const total = {
    passed: unit.passed + contract.passed,
    failed: unit.failed + contract.failed,
    skipped: unit.skipped + contract.skipped,
  };
  console.log(`keyhaven: ${line(total)}`);
  process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
} catch (err) {
  console.error(`test summary: ${err.message}`);
  process.exit(1);
}
