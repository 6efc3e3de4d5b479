// SPDX-License-Identifier: Apache-2.0
// The other side of tests/cvss-differential.sh: CVSS vectors, and the scores
// an independent implementation (the npm package ae-cvss-calculator, not our
// C code) gives them.
//
//   node reference.js generate SEED N   vectors on stdout: every base vector
//                                       of v3.0, v3.1 and v4.0, then N random
//                                       vectors of each version with any
//                                       temporal/threat, environmental and
//                                       supplemental metrics
//   node reference.js compare VECTORS   reads `portcullis cvss --batch
//                                       --format json` lines on stdin, one per
//                                       line of VECTORS, and reports every
//                                       disagreement; exit 1 if any
'use strict';

const fs = require('fs');
const { Cvss3P0, Cvss3P1, Cvss4P0 } = require('ae-cvss-calculator');

// Metric values in each specification's order (v3.1 spec 2-4, v4.0 spec
// Table 23, whose order is mandatory).  "X" is Not Defined.
const V3_BASE = [['AV', 'NALP'], ['AC', 'LH'], ['PR', 'NLH'], ['UI', 'NR'], ['S', 'UC'],
                 ['C', 'HLN'], ['I', 'HLN'], ['A', 'HLN']];
const V3_TEMPORAL = [['E', 'XUPFH'], ['RL', 'XOTWU'], ['RC', 'XURC']];
const V3_ENVIRONMENTAL = [['CR', 'XLMH'], ['IR', 'XLMH'], ['AR', 'XLMH'], ['MAV', 'XNALP'], ['MAC', 'XLH'],
                          ['MPR', 'XNLH'], ['MUI', 'XNR'], ['MS', 'XUC'], ['MC', 'XNLH'], ['MI', 'XNLH'],
                          ['MA', 'XNLH']];
const V4_BASE = [['AV', 'NALP'], ['AC', 'LH'], ['AT', 'NP'], ['PR', 'NLH'], ['UI', 'NPA'], ['VC', 'HLN'],
                 ['VI', 'HLN'], ['VA', 'HLN'], ['SC', 'HLN'], ['SI', 'HLN'], ['SA', 'HLN']];
const V4_THREAT = [['E', 'XAPU']];
const V4_ENVIRONMENTAL = [['CR', 'XHML'], ['IR', 'XHML'], ['AR', 'XHML'], ['MAV', 'XNALP'], ['MAC', 'XLH'],
                          ['MAT', 'XNP'], ['MPR', 'XNLH'], ['MUI', 'XNPA'], ['MVC', 'XHLN'], ['MVI', 'XHLN'],
                          ['MVA', 'XHLN'], ['MSC', 'XHLN'], ['MSI', ['X', 'H', 'L', 'N', 'S']],
                          ['MSA', ['X', 'H', 'L', 'N', 'S']]];
const V4_SUPPLEMENTAL = [['S', 'XNP'], ['AU', 'XNY'], ['R', 'XAUI'], ['V', 'XDC'], ['RE', 'XLMH'],
                         ['U', ['X', 'Clear', 'Green', 'Amber', 'Red']]];

// Every combination of the metrics' values, in order.
function* product(metrics, i = 0, parts = []) {
  if (i === metrics.length) {
    yield parts.join('/');
    return;
  }
  for (const v of metrics[i][1])
    yield* product(metrics, i + 1, parts.concat(`${metrics[i][0]}:${v}`));
}

// mulberry32: a small seeded generator, so that a failure can be replayed.
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVector(rnd, prefix, groups) {
  const pick = (values) => values[Math.floor(rnd() * values.length)];
  const parts = groups[0].map(([m, values]) => `${m}:${pick(values)}`);
  for (const group of groups.slice(1))
    for (const [m, values] of group)
      if (rnd() < 0.4)
        parts.push(`${m}:${pick(values)}`);
  return prefix + parts.join('/');
}

function generate(seed, n) {
  const out = [];
  for (const prefix of ['CVSS:3.0/', 'CVSS:3.1/'])
    for (const v of product(V3_BASE))
      out.push(prefix + v);
  for (const v of product(V4_BASE))
    out.push('CVSS:4.0/' + v);
  const rnd = generator(seed);
  for (let i = 0; i < n; i++) {
    out.push(randomVector(rnd, 'CVSS:3.0/', [V3_BASE, V3_TEMPORAL, V3_ENVIRONMENTAL]));
    out.push(randomVector(rnd, 'CVSS:3.1/', [V3_BASE, V3_TEMPORAL, V3_ENVIRONMENTAL]));
    out.push(randomVector(rnd, 'CVSS:4.0/', [V4_BASE, V4_THREAT, V4_ENVIRONMENTAL, V4_SUPPLEMENTAL]));
  }
  process.stdout.write(out.join('\n') + '\n');
}

// v3.1 spec section 5, v4.0 spec section 6: the qualitative rating scale.
function rating(score) {
  if (score === 0) return 'NONE';
  if (score < 4.0) return 'LOW';
  if (score < 7.0) return 'MEDIUM';
  if (score < 9.0) return 'HIGH';
  return 'CRITICAL';
}

// [our JSON key, the reference's key]; a reference score left undefined
// (no metric of that group in the vector) is not compared.
const PAIRS = {
  '3.0': [['base_score', 'base'], ['temporal_score', 'temporal'], ['environmental_score', 'environmental']],
  '3.1': [['base_score', 'base'], ['temporal_score', 'temporal'], ['environmental_score', 'environmental']],
  '4.0': [['base_score', 'baseMetricsOnly'], ['cvss_bt', 'threat'], ['cvss_bte', 'overall']],
};

function reference(vector) {
  if (vector.startsWith('CVSS:3.0/')) return ['3.0', new Cvss3P0(vector).calculateScores()];
  if (vector.startsWith('CVSS:3.1/')) return ['3.1', new Cvss3P1(vector).calculateScores()];
  return ['4.0', new Cvss4P0(vector).calculateScores()];
}

function checkLine(vector, line) {
  if (line === undefined) return 'no result';
  if (line.startsWith('error: ')) return line;
  const ours = JSON.parse(line);
  const [version, ref] = reference(vector);
  const bad = [];
  if (ours.vector !== vector) bad.push(`result for '${ours.vector}'`);
  if (ours.version !== version) bad.push(`version ${ours.version}`);
  for (const [mine, theirs] of PAIRS[version]) {
    if (ref[theirs] === undefined) continue;
    if (typeof ours[mine] !== 'number' || Math.abs(ours[mine] - ref[theirs]) > 1e-9)
      bad.push(`${mine} ${ours[mine]}, reference ${ref[theirs]}`);
  }
  const base = version === '4.0' ? ref.baseMetricsOnly : ref.base;
  if (ours.severity !== rating(base)) bad.push(`severity ${ours.severity}, the scale says ${rating(base)}`);
  return bad.length ? bad.join('; ') : null;
}

function compare(vectorsFile) {
  const vectors = fs.readFileSync(vectorsFile, 'utf8').split('\n').filter((l) => l);
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l);
  const counts = { '3.0': 0, '3.1': 0, '4.0': 0 }, seen = new Set();
  let failed = 0;
  if (lines.length !== vectors.length) {
    console.log(`FAIL: ${vectors.length} vectors but ${lines.length} results`);
    failed++;
  }
  vectors.forEach((vector, i) => {
    const why = checkLine(vector, lines[i]);
    counts[vector.slice(5, 8)]++;
    const base = JSON.parse(lines[i] && !lines[i].startsWith('error') ? lines[i] : '{}').severity;
    if (base) seen.add(base);
    if (why) {
      if (failed < 50) console.log(`FAIL: ${vector}: ${why}`);
      failed++;
    }
  });
  // The spaces reach every rating, NONE included: the comparison saw them all.
  for (const s of ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])
    if (!seen.has(s)) {
      console.log(`FAIL: no vector rated ${s}`);
      failed++;
    }
  console.log(`compared ${counts['3.0']} v3.0, ${counts['3.1']} v3.1 and ${counts['4.0']} v4.0 vectors ` +
              `with ae-cvss-calculator: ${failed} disagreements`);
  process.exit(failed ? 1 : 0);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'generate' && args.length === 2)
  generate(Number(args[0]), Number(args[1]));
else if (mode === 'compare' && args.length === 1)
  compare(args[0]);
else {
  console.error('usage: node reference.js generate SEED N | compare VECTORS');
  process.exit(2);
}
