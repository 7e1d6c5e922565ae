#!/usr/bin/env node
// Deterministic compile of leash's reference contracts and their mutants with the pinned solc-js.
//
//   node build.mjs           compile, then rewrite out/ (Foundry layout), out/BUILD.json and every
//                            mutants/<name>/mutant.diff
//   node build.mjs --check   compile in memory; exit 1 naming every file of out/ that is missing,
//                            differs from the fresh build, or should not be there, and every
//                            mutants/<name>/mutant.diff that is missing or stale
//
// Compiled: @account-abstraction/contracts/core/EntryPoint.sol and every .sol file under src/
// (recursively), in one solc job. Imports resolve to src/ or node_modules/. Artifacts are written for
// EntryPoint and for every non-abstract contract under src/ with non-empty bytecode; interfaces,
// libraries and abstract contracts are skipped.
//
// Artifact path: out/<File>.sol/<Contract>.json, as Foundry does. If two sources under src/ share
// that path, a source directly in src/ keeps it and the others move to
// out/<dir relative to src>/<File>.sol/<Contract>.json.
//
// Mutants (see mutants/README.md): every directory mutants/<name>/ holds full copies of one or more
// files directly in src/ (e.g. SessionManager.sol, LeashAccount.sol), each with one planted bug, and
// the generated mutant.diff (unified diff of every such file against its src/ original). Each mutant
// is its own solc job, with the same settings, importing the unmodified files from src/. Its
// contracts go to out/mutants/<name>/<File>.sol/<Contract>.json. Jobs run on a pool of worker
// threads, one per core.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import solc from "solc";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(ROOT, "src");
const OUT = path.join(ROOT, "out");
const MUTANTS = path.join(ROOT, "mutants");
const NODE_MODULES = path.join(ROOT, "node_modules");

const SOLC_VERSION = "0.8.37";
const DEPENDENCY_SOURCES = { "@account-abstraction/contracts/core/EntryPoint.sol": ["EntryPoint"] };
const PINNED_PACKAGES = ["@account-abstraction/contracts", "@openzeppelin/contracts", "solady", "solc"];

// Everything that affects the bytecode. outputSelection is added per compile.
const SETTINGS = {
  evmVersion: "cancun",
  viaIR: true,
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: "none", appendCBOR: false },
};

const OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"];

// A mutant's directory name, and the one generated file a mutant directory holds besides its sources.
const MUTANT_NAME = /^[a-z0-9][a-z0-9-]*$/;
const MUTANT_DIFF = "mutant.diff";
const MUTANTS_README = "README.md";
// Lines of context in mutant.diff, as `diff -u`.
const DIFF_CONTEXT = 3;

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

const toPosix = (p) => p.split(path.sep).join("/");

function listSolidity(dir) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSolidity(full));
    else if (entry.isFile() && entry.name.endsWith(".sol")) found.push(full);
  }
  return found;
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(full));
    else found.push(full);
  }
  return found;
}

// Source unit names: "src/..." and "mutants/..." for our files, the package path for node_modules.
function resolveImport(unitName) {
  const normalized = path.posix.normalize(unitName);
  if (normalized.startsWith("../") || path.posix.isAbsolute(normalized)) {
    return { error: `import escapes the project: ${unitName}` };
  }
  const file =
    normalized.startsWith("src/") || normalized.startsWith("mutants/")
      ? path.join(ROOT, normalized)
      : path.join(NODE_MODULES, normalized);
  try {
    return { contents: fs.readFileSync(file, "utf8") };
  } catch {
    return { error: `not found: ${unitName} (looked at ${toPosix(path.relative(ROOT, file))})` };
  }
}

// JSON with object keys sorted recursively (array order kept), 2-space indent, trailing newline.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}
const stringify = (value) => `${JSON.stringify(canonical(value), null, 2)}\n`;

function packageVersion(name) {
  const file = path.join(NODE_MODULES, name, "package.json");
  if (!fs.existsSync(file)) fail(`${name} is not installed: run \`npm ci\` first`);
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

// ---------------------------------------------------------------------------------------------------
// Unified diff (the format of `diff -u`), for mutants/<name>/mutant.diff
// ---------------------------------------------------------------------------------------------------

// Lines of `text` with their terminators kept, so a missing final newline shows.
function splitLines(text) {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

// Edit script between line arrays a and b: a list of [op, line] with op " ", "-" or "+". Common
// prefix and suffix are matched first; the rest by a longest-common-subsequence table, which is
// small because a mutant changes a few lines.
function editScript(a, b) {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  const n = x.length;
  const m = y.length;
  // lcs[i][j]: LCS length of x[i..] and y[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const script = a.slice(0, pre).map((l) => [" ", l]);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      script.push([" ", x[i++]]);
      j++;
    } else if (j === m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Deletions before insertions, as diff prints them.
      script.push(["-", x[i++]]);
    } else {
      script.push(["+", y[j++]]);
    }
  }
  for (const l of a.slice(a.length - suf)) script.push([" ", l]);
  return script;
}

// `diff -u --label <labelA> --label <labelB>` of two texts; "" when they are equal.
function unifiedDiff(textA, textB, labelA, labelB) {
  const script = editScript(splitLines(textA), splitLines(textB));
  const changed = script.map(([op]) => op !== " ");
  if (!changed.includes(true)) return "";
  // Group changes whose context would overlap into hunks.
  const hunks = [];
  let k = 0;
  while (k < script.length) {
    if (!changed[k]) {
      k++;
      continue;
    }
    let start = Math.max(0, k - DIFF_CONTEXT);
    let end = k;
    for (;;) {
      while (end < script.length && changed[end]) end++;
      let next = end;
      while (next < script.length && !changed[next]) next++;
      if (next < script.length && next - end <= 2 * DIFF_CONTEXT) end = next;
      else break;
    }
    end = Math.min(script.length, end + DIFF_CONTEXT);
    hunks.push([start, end]);
    k = end;
  }
  // Line numbers before each script entry.
  const lineA = [];
  const lineB = [];
  let la = 1;
  let lb = 1;
  for (const [op] of script) {
    lineA.push(la);
    lineB.push(lb);
    if (op !== "+") la++;
    if (op !== "-") lb++;
  }
  const range = (first, count) => (count === 1 ? `${first}` : `${count === 0 ? first - 1 : first},${count}`);
  let out = `--- ${labelA}\n+++ ${labelB}\n`;
  for (const [start, end] of hunks) {
    const slice = script.slice(start, end);
    const countA = slice.filter(([op]) => op !== "+").length;
    const countB = slice.filter(([op]) => op !== "-").length;
    out += `@@ -${range(lineA[start], countA)} +${range(lineB[start], countB)} @@\n`;
    for (const [op, line] of slice) {
      out += op + line;
      if (!line.endsWith("\n")) out += "\n\\ No newline at end of file\n";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Compile jobs
// ---------------------------------------------------------------------------------------------------

// Standard-JSON input of one job: our source units `units` (all their contracts and ASTs are
// selected) and `dependencies`, a map from a package source unit to the contracts wanted from it.
function standardInput(units, dependencies) {
  const sources = {};
  const outputSelection = {};
  for (const [unit, contracts] of Object.entries(dependencies)) {
    const resolved = resolveImport(unit);
    if (resolved.error) throw new Error(resolved.error);
    sources[unit] = { content: resolved.contents };
    outputSelection[unit] = Object.fromEntries(contracts.map((c) => [c, OUTPUTS]));
  }
  for (const unit of units) {
    sources[unit] = { content: fs.readFileSync(path.join(ROOT, unit), "utf8") };
    outputSelection[unit] = { "*": OUTPUTS, "": ["ast"] };
  }
  return { language: "Solidity", sources, settings: { ...SETTINGS, outputSelection } };
}

// Runs in a worker thread: compiles the jobs it is sent, one at a time.
function workerMain() {
  parentPort.on("message", (job) => {
    const started = process.hrtime.bigint();
    const input = standardInput(job.units, job.dependencies);
    const output = solc.compile(JSON.stringify(input), { import: resolveImport });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    parentPort.postMessage({ id: job.id, output, seconds, sourceCount: Object.keys(input.sources).length });
  });
}

// Compiles every job on a pool of worker threads; resolves to the results in job order.
function runJobs(jobs) {
  const threads = Math.max(1, Math.min(os.availableParallelism(), jobs.length));
  const results = new Array(jobs.length);
  let next = 0;
  return new Promise((resolve, reject) => {
    let running = threads;
    for (let t = 0; t < threads; t++) {
      const worker = new Worker(fileURLToPath(import.meta.url));
      const feed = () => {
        if (next < jobs.length) {
          const id = next++;
          worker.postMessage({ id, units: jobs[id].units, dependencies: jobs[id].dependencies });
        } else {
          worker.terminate();
          if (--running === 0) resolve(results);
        }
      };
      worker.on("message", (result) => {
        results[result.id] = result;
        feed();
      });
      worker.on("error", reject);
      feed();
    }
  });
}

// The mutant directories: [{ name, units: ["mutants/<name>/X.sol", ...] }], each unit with a
// counterpart src/X.sol. Fails on anything else under mutants/ but mutants/README.md and the
// mutant.diff files.
function listMutants() {
  if (!fs.existsSync(MUTANTS)) return [];
  const mutants = [];
  for (const entry of fs.readdirSync(MUTANTS, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = `mutants/${entry.name}`;
    if (!entry.isDirectory()) {
      if (entry.name === MUTANTS_README) continue;
      fail(`unexpected file ${rel}: mutants/ holds only ${MUTANTS_README} and one directory per mutant`);
    }
    if (!MUTANT_NAME.test(entry.name)) fail(`mutant name ${entry.name} must match ${MUTANT_NAME}`);
    const units = [];
    for (const file of fs.readdirSync(path.join(MUTANTS, entry.name), { withFileTypes: true })) {
      if (file.isFile() && file.name === MUTANT_DIFF) continue;
      if (!file.isFile() || !file.name.endsWith(".sol")) {
        fail(`unexpected ${rel}/${file.name}: a mutant holds only .sol files and ${MUTANT_DIFF}`);
      }
      if (!fs.existsSync(path.join(SRC, file.name))) {
        fail(`${rel}/${file.name} has no original src/${file.name} to be a mutant of`);
      }
      units.push(`${rel}/${file.name}`);
    }
    if (units.length === 0) fail(`${rel} holds no .sol file`);
    mutants.push({ name: entry.name, units: units.sort() });
  }
  return mutants;
}

// mutant.diff of one mutant: every file against its src/ original, in file order.
function mutantDiff(mutant) {
  let diff = "";
  for (const unit of mutant.units) {
    const base = `src/${path.posix.basename(unit)}`;
    const text = unifiedDiff(
      fs.readFileSync(path.join(ROOT, base), "utf8"),
      fs.readFileSync(path.join(ROOT, unit), "utf8"),
      base,
      unit,
    );
    if (text === "") fail(`${unit} is identical to ${base}: a mutant must change something`);
    diff += text;
  }
  return diff;
}

// Deployable contracts of `units` (non-abstract contracts), as { unit, name }.
function deployable(output, units) {
  const wanted = [];
  for (const unit of units) {
    const ast = output.sources?.[unit]?.ast;
    if (!ast) fail(`no AST for ${unit}`);
    for (const node of ast.nodes) {
      if (node.nodeType !== "ContractDefinition") continue;
      if (node.contractKind !== "contract" || node.abstract) continue;
      wanted.push({ unit, name: node.name });
    }
  }
  return wanted;
}

// Prints a job's warnings in files under `ownPrefixes` and fails on any error. Returns the other
// warnings' messages (in dependencies, or in src/ files that a mutant job imports and the main job
// reports), so that each is counted once.
function report(output, ownPrefixes) {
  const diagnostics = output.errors ?? [];
  const errors = diagnostics.filter((d) => d.severity === "error");
  const ours = (d) => ownPrefixes.some((p) => d.sourceLocation?.file?.startsWith(p));
  for (const d of diagnostics.filter((d) => d.severity !== "error" && ours(d))) {
    console.warn(d.formattedMessage.trimEnd());
  }
  if (errors.length > 0) {
    for (const d of errors) console.error(d.formattedMessage.trimEnd());
    fail(`compilation failed with ${errors.length} error(s)`);
  }
  return diagnostics.filter((d) => d.severity !== "error" && !ours(d)).map((d) => d.formattedMessage);
}

function artifactJson(output, { unit, name }) {
  const contract = output.contracts?.[unit]?.[name];
  if (!contract) fail(`no output for ${unit}:${name}`);
  const bytecode = contract.evm.bytecode.object;
  const deployed = contract.evm.deployedBytecode.object;
  if (bytecode.length === 0) return null;
  if (bytecode.includes("__$") || deployed.includes("__$")) {
    fail(`${unit}:${name} needs library linking, which this build does not do`);
  }
  return stringify({
    abi: contract.abi,
    bytecode: { object: `0x${bytecode}` },
    deployedBytecode: { object: `0x${deployed}` },
    methodIdentifiers: contract.evm.methodIdentifiers,
  });
}

async function compile() {
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc-js ${version} is installed, ${SOLC_VERSION} is pinned: run \`npm ci\``);
  }

  const ourSources = listSolidity(SRC).map((f) => toPosix(path.relative(ROOT, f))).sort();
  const mutants = listMutants();
  const jobs = [
    { units: ourSources, dependencies: DEPENDENCY_SOURCES },
    ...mutants.map((m) => ({ units: m.units, dependencies: {} })),
  ];
  const started = process.hrtime.bigint();
  const results = await runJobs(jobs);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const jobSeconds = results.reduce((sum, r) => sum + r.seconds, 0);

  // The main job: EntryPoint and src/.
  const main = JSON.parse(results[0].output);
  const otherWarnings = new Set(report(main, ["src/"]));
  const wanted = [];
  for (const [unit, contracts] of Object.entries(DEPENDENCY_SOURCES)) {
    for (const name of contracts) wanted.push({ unit, name });
  }
  wanted.push(...deployable(main, ourSources));

  // Foundry-style artifact paths; a source directly in src/ (or a dependency) wins a shared path.
  const shortPath = ({ unit, name }) => `${path.posix.basename(unit)}/${name}.json`;
  const depth = ({ unit }) => (unit.startsWith("src/") ? unit.split("/").length - 2 : -1);
  const byShortPath = new Map();
  for (const w of wanted) byShortPath.set(shortPath(w), [...(byShortPath.get(shortPath(w)) ?? []), w]);

  const files = new Map();
  const artifacts = {};
  const add = (rel, content, w) => {
    if (files.has(rel)) fail(`two contracts map to out/${rel}; rename one of them`);
    files.set(rel, content);
    artifacts[rel] = { contract: w.name, source: w.unit };
  };
  for (const w of wanted) {
    const content = artifactJson(main, w);
    if (content === null) continue;
    const sharers = byShortPath.get(shortPath(w));
    const minDepth = Math.min(...sharers.map(depth));
    let rel = shortPath(w);
    if (sharers.length > 1 && depth(w) !== minDepth) {
      const dir = path.posix.relative("src", path.posix.dirname(w.unit));
      if (dir === "") fail(`${w.unit}:${w.name} clashes with a dependency's out/${rel}; rename it`);
      rel = `${dir}/${rel}`;
    }
    add(rel, content, w);
  }

  // One job per mutant: out/mutants/<name>/<File>.sol/<Contract>.json.
  const diffs = new Map();
  const mutantIndex = {};
  for (const [k, mutant] of mutants.entries()) {
    const output = JSON.parse(results[k + 1].output);
    for (const w of report(output, [`mutants/${mutant.name}/`])) otherWarnings.add(w);
    const contracts = [];
    for (const w of deployable(output, mutant.units)) {
      const content = artifactJson(output, w);
      if (content === null) continue;
      const rel = `mutants/${mutant.name}/${shortPath(w)}`;
      add(rel, content, w);
      contracts.push(rel);
    }
    if (contracts.length === 0) fail(`mutants/${mutant.name} has no deployable contract`);
    diffs.set(`mutants/${mutant.name}/${MUTANT_DIFF}`, mutantDiff(mutant));
    mutantIndex[mutant.name] = { artifacts: contracts, sources: mutant.units };
  }

  const packages = Object.fromEntries(PINNED_PACKAGES.map((p) => [p, packageVersion(p)]));
  files.set(
    "BUILD.json",
    stringify({
      artifacts,
      compiler: { name: "solc-js", version },
      mutants: mutantIndex,
      packages,
      settings: SETTINGS,
      sources: [...Object.keys(DEPENDENCY_SOURCES), ...ourSources],
    }),
  );
  const sourceCount = results[0].sourceCount;
  const dependencyWarnings = otherWarnings.size;
  return { files, diffs, seconds, jobSeconds, version, sourceCount, mutantCount: mutants.length, dependencyWarnings };
}

function check(files, diffs) {
  const problems = [];
  for (const [rel, content] of files) {
    const file = path.join(OUT, rel);
    if (!fs.existsSync(file)) problems.push(`missing:    out/${rel}`);
    else if (fs.readFileSync(file, "utf8") !== content) problems.push(`differs:    out/${rel}`);
  }
  for (const file of listFiles(OUT)) {
    const rel = toPosix(path.relative(OUT, file));
    if (!files.has(rel)) problems.push(`unexpected: out/${rel}`);
  }
  for (const [rel, content] of diffs) {
    const file = path.join(ROOT, rel);
    if (!fs.existsSync(file)) problems.push(`missing:    ${rel}`);
    else if (fs.readFileSync(file, "utf8") !== content) problems.push(`stale:      ${rel}`);
  }
  return problems.sort();
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(" ")} (usage: node build.mjs [--check])`);
  const checkOnly = args.includes("--check");

  const { files, diffs, seconds, jobSeconds, version, sourceCount, mutantCount, dependencyWarnings } = await compile();
  const artifactCount = files.size - 1;
  console.log(
    `solc ${version}: ${sourceCount} root sources and ${mutantCount} mutants, ${artifactCount} artifacts, ` +
      `compiled in ${seconds.toFixed(1)} s (jobs took ${jobSeconds.toFixed(1)} s in all on ` +
      `${Math.min(os.availableParallelism(), mutantCount + 1)} threads; viaIR ${SETTINGS.viaIR}, ` +
      `runs ${SETTINGS.optimizer.runs}, evm ${SETTINGS.evmVersion})` +
      (dependencyWarnings > 0 ? `; ${dependencyWarnings} warning(s) in dependencies not shown` : ""),
  );

  if (checkOnly) {
    const problems = check(files, diffs);
    if (problems.length > 0) {
      console.error(`out/ or a mutant.diff does not match a fresh build (${problems.length} file(s)):`);
      for (const p of problems) console.error(`  ${p}`);
      fail("run `node build.mjs` and commit out/ and mutants/");
    }
    console.log(`out/ matches the fresh build (${files.size} files), and so do ${diffs.size} mutant.diff files`);
    return;
  }

  fs.rmSync(OUT, { recursive: true, force: true });
  for (const [rel, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(OUT, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    console.log(`  out/${rel}`);
  }
  for (const [rel, content] of diffs) {
    fs.writeFileSync(path.join(ROOT, rel), content);
    console.log(`  ${rel}`);
  }
}

if (isMainThread) await main();
else workerMain();
