#!/usr/bin/env node
// Deterministic compile of leash's reference contracts and their mutants with the pinned solc-js.
//
//   node build.mjs           compile, then rewrite out/ (Foundry layout) and out/BUILD.json
//   node build.mjs --check   compile in memory; exit 1 naming every file of out/ that is missing,
//                            differs from the fresh build, or should not be there
//
// Compiled: @account-abstraction/contracts/core/EntryPoint.sol and every .sol file under src/
// (recursively), in one solc job. Imports resolve to src/ or node_modules/. Artifacts are written for
// EntryPoint and for every non-abstract contract under src/ with non-empty bytecode; interfaces,
// libraries and abstract contracts are skipped.
//
// Artifact path: out/<File>.sol/<Contract>.json, as Foundry does. Each compile job also writes
// out/build-info/<job>.json with `source_id_to_path`, as Foundry's build info has it, so the
// artifacts' source maps can be read back to lines (leash's coverage reports do). If two sources under src/ share
// that path, a source directly in src/ keeps it and the others move to
// out/<dir relative to src>/<File>.sol/<Contract>.json.
//
// Mutants (see mutants/README.md): every directory mutants/<name>/ holds one mutant.diff, a unified
// diff of one or more files directly in src/ (e.g. SessionManager.sol, LeashAccount.sol) that plants
// one bug. The build applies it in memory: src/<File>.sol patched becomes the source unit
// mutants/<name>/<File>.sol. Each mutant is its own solc job, with the same settings, importing the
// unmodified files from src/. Its contracts go to out/mutants/<name>/<File>.sol/<Contract>.json.
// Jobs run on a pool of worker threads, one per core.

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
const PINNED_PACKAGES = [
  "@account-abstraction/contracts",
  "@openzeppelin/contracts",
  "@rhinestone/modulekit",
  "solady",
  "solc",
];

// leash's SmartSessions policies (src/smartsessions/) are written against the policy interfaces
// of @rhinestone/modulekit. Those files import modulekit's GitHub-only dependencies, which npm
// cannot install (package.json replaces them with an empty stub); their imports resolve to the
// registry packages pinned here instead: the same EntryPoint v0.8 types, and the standard
// IERC165 interface (identical to forge-std's).
const REMAPPINGS = [
  "@ERC4337/account-abstraction/contracts/=@account-abstraction/contracts/",
  "forge-std/interfaces/IERC165.sol=@openzeppelin/contracts/utils/introspection/IERC165.sol",
];

// Everything that affects the bytecode. outputSelection is added per compile.
const SETTINGS = {
  evmVersion: "cancun",
  viaIR: true,
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: "none", appendCBOR: false },
  remappings: REMAPPINGS,
};

const OUTPUTS = [
  "abi",
  "evm.bytecode.object",
  "evm.deployedBytecode.object",
  "evm.deployedBytecode.sourceMap",
  "evm.methodIdentifiers",
];

// A mutant's directory name, and the one file a mutant directory holds.
const MUTANT_NAME = /^[a-z0-9][a-z0-9-]*$/;
const MUTANT_DIFF = "mutant.diff";
const MUTANTS_README = "README.md";

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

// Source unit names: "src/..." for our files, the package path for node_modules. (A mutant's own
// units are in its job's sources and never read from disk.)
function resolveImport(unitName) {
  const normalized = path.posix.normalize(unitName);
  if (normalized.startsWith("../") || path.posix.isAbsolute(normalized)) {
    return { error: `import escapes the project: ${unitName}` };
  }
  const file =
    normalized.startsWith("src/")
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
// Mutants: mutants/<name>/mutant.diff, unified diffs (the format of `diff -u`) against src/ files
// ---------------------------------------------------------------------------------------------------

// Lines of `text` with their terminators kept, so a missing final newline shows.
function splitLines(text) {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

// The files of a unified diff: [{ base, unit, hunks }], `base` and `unit` the `---` and `+++`
// labels, each hunk { header, oldStart, oldCount, lines: [[op, line]] } with op " ", "-" or "+".
// `rel` names the diff in errors.
function parseDiff(text, rel) {
  const lines = splitLines(text);
  const files = [];
  let k = 0;
  const bad = (why) => fail(`${rel}:${k + 1}: ${why}`);
  while (k < lines.length) {
    const minus = lines[k].match(/^--- (\S+)\n$/);
    const plus = lines[k + 1]?.match(/^\+\+\+ (\S+)\n$/);
    if (!minus || !plus) bad("expected a file header: `--- src/<File>.sol`, then `+++ mutants/<name>/<File>.sol`");
    k += 2;
    const file = { base: minus[1], unit: plus[1], hunks: [] };
    while (k < lines.length && lines[k].startsWith("@@")) {
      const h = lines[k].match(/^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@/);
      if (!h) bad(`malformed hunk header ${JSON.stringify(lines[k].trimEnd())}`);
      const hunk = { header: lines[k].trimEnd(), oldStart: Number(h[1]), oldCount: Number(h[2] ?? 1), lines: [] };
      const newCount = Number(h[3] ?? 1);
      k++;
      let oldSeen = 0;
      let newSeen = 0;
      while (oldSeen < hunk.oldCount || newSeen < newCount) {
        const line = lines[k];
        if (line === undefined) bad(`the diff ends inside hunk ${hunk.header}`);
        const op = line[0];
        if (op !== " " && op !== "-" && op !== "+") bad(`not a hunk line: ${JSON.stringify(line.trimEnd())}`);
        hunk.lines.push([op, line.slice(1)]);
        if (op !== "+") oldSeen++;
        if (op !== "-") newSeen++;
        k++;
        if (lines[k]?.startsWith("\\ No newline at end of file")) {
          const last = hunk.lines[hunk.lines.length - 1];
          last[1] = last[1].replace(/\n$/, "");
          k++;
        }
      }
      if (oldSeen !== hunk.oldCount || newSeen !== newCount) bad(`hunk ${hunk.header} has more lines than it says`);
      file.hunks.push(hunk);
    }
    if (file.hunks.length === 0) bad(`${file.unit} has no hunk`);
    files.push(file);
  }
  return files;
}

// `original` with `hunks` applied. A hunk's context and removed lines must stand in the original
// exactly, at the hunk's line or else at the nearest line where they do (src/ may have gained or
// lost lines above it since the diff was written); otherwise the build fails naming the hunk.
function applyHunks(original, hunks, label) {
  const lines = splitLines(original);
  const out = [];
  let copied = 0;
  for (const hunk of hunks) {
    const old = hunk.lines.filter(([op]) => op !== "+").map(([, line]) => line);
    const fits = (at) => at >= copied && at + old.length <= lines.length && old.every((line, j) => lines[at + j] === line);
    const stated = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    let at = -1;
    for (let d = 0; at < 0 && (stated - d >= copied || stated + d <= lines.length); d++) {
      if (fits(stated - d)) at = stated - d;
      else if (fits(stated + d)) at = stated + d;
    }
    if (at < 0) fail(`${label}: hunk ${hunk.header} does not apply (its context is not in the original)`);
    out.push(...lines.slice(copied, at));
    for (const [op, line] of hunk.lines) if (op !== "-") out.push(line);
    copied = at + old.length;
  }
  out.push(...lines.slice(copied));
  return out.join("");
}

// ---------------------------------------------------------------------------------------------------
// Compile jobs
// ---------------------------------------------------------------------------------------------------

// Standard-JSON input of one job: our source units `ours`, a map from unit name to text (all
// their contracts and ASTs are selected), and `dependencies`, a map from a package source unit to
// the contracts wanted from it.
function standardInput(ours, dependencies) {
  const sources = {};
  const outputSelection = {};
  for (const [unit, contracts] of Object.entries(dependencies)) {
    const resolved = resolveImport(unit);
    if (resolved.error) throw new Error(resolved.error);
    sources[unit] = { content: resolved.contents };
    outputSelection[unit] = Object.fromEntries(contracts.map((c) => [c, OUTPUTS]));
  }
  for (const [unit, content] of Object.entries(ours)) {
    sources[unit] = { content };
    outputSelection[unit] = { "*": OUTPUTS, "": ["ast"] };
  }
  return { language: "Solidity", sources, settings: { ...SETTINGS, outputSelection } };
}

// Runs in a worker thread: compiles the jobs it is sent, one at a time.
function workerMain() {
  parentPort.on("message", (job) => {
    const started = process.hrtime.bigint();
    const input = standardInput(job.sources, job.dependencies);
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
          worker.postMessage({ id, ...jobs[id] });
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

// The mutants: [{ name, sources }], `sources` mapping each source unit
// "mutants/<name>/<File>.sol" to src/<File>.sol with the mutant's mutant.diff applied. Fails on
// anything else under mutants/ but mutants/README.md.
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
    const extra = fs.readdirSync(path.join(MUTANTS, entry.name)).filter((f) => f !== MUTANT_DIFF);
    if (extra.length > 0) fail(`unexpected ${rel}/${extra[0]}: a mutant directory holds only ${MUTANT_DIFF}`);
    const diff = `${rel}/${MUTANT_DIFF}`;
    if (!fs.existsSync(path.join(ROOT, diff))) fail(`${rel} has no ${MUTANT_DIFF}`);
    const sources = {};
    for (const file of parseDiff(fs.readFileSync(path.join(ROOT, diff), "utf8"), diff)) {
      const name = path.posix.basename(file.base);
      if (file.base !== `src/${name}` || file.unit !== `${rel}/${name}` || !name.endsWith(".sol")) {
        fail(`${diff} patches ${file.base} as ${file.unit}; a mutant patches src/<File>.sol as ${rel}/<File>.sol`);
      }
      if (!fs.existsSync(path.join(SRC, name))) fail(`${diff} patches src/${name}, which does not exist`);
      if (file.unit in sources) fail(`${diff} patches ${file.base} twice`);
      const original = fs.readFileSync(path.join(SRC, name), "utf8");
      const mutated = applyHunks(original, file.hunks, diff);
      if (mutated === original) fail(`${diff} leaves ${file.base} as it is: a mutant must change something`);
      sources[file.unit] = mutated;
    }
    mutants.push({ name: entry.name, sources });
  }
  return mutants;
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

// A Foundry-layout artifact: what Foundry writes that leash reads. `deployedBytecode.sourceMap`
// (solc's compressed source map of the runtime code), `id` (the source id of the contract's own
// file) and `metadata.settings.compilationTarget` tie it to its job's build info (below).
function artifactJson(output, { unit, name }) {
  const contract = output.contracts?.[unit]?.[name];
  if (!contract) fail(`no output for ${unit}:${name}`);
  const bytecode = contract.evm.bytecode.object;
  const deployed = contract.evm.deployedBytecode.object;
  if (bytecode.length === 0) return null;
  if (bytecode.includes("__$") || deployed.includes("__$")) {
    fail(`${unit}:${name} needs library linking, which this build does not do`);
  }
  const id = output.sources?.[unit]?.id;
  if (!Number.isInteger(id)) fail(`no source id for ${unit}`);
  return stringify({
    abi: contract.abi,
    bytecode: { object: `0x${bytecode}` },
    deployedBytecode: { object: `0x${deployed}`, sourceMap: contract.evm.deployedBytecode.sourceMap },
    id,
    metadata: { settings: { compilationTarget: { [unit]: name } } },
    methodIdentifiers: contract.evm.methodIdentifiers,
  });
}

// A job's build info, the part of Foundry's out/build-info/<id>.json that maps source ids (as
// source maps and artifacts' `id` name them) to source unit names.
function buildInfoJson(output, id) {
  const sourceIdToPath = {};
  for (const [unit, { id: sourceId }] of Object.entries(output.sources ?? {})) sourceIdToPath[sourceId] = unit;
  return stringify({ id, source_id_to_path: sourceIdToPath });
}

async function compile() {
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc-js ${version} is installed, ${SOLC_VERSION} is pinned: run \`npm ci\``);
  }

  const ourSources = listSolidity(SRC).map((f) => toPosix(path.relative(ROOT, f))).sort();
  const mutants = listMutants();
  const jobs = [
    {
      sources: Object.fromEntries(ourSources.map((unit) => [unit, fs.readFileSync(path.join(ROOT, unit), "utf8")])),
      dependencies: DEPENDENCY_SOURCES,
    },
    ...mutants.map((m) => ({ sources: m.sources, dependencies: {} })),
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
  files.set("build-info/leash-main.json", buildInfoJson(main, "leash-main"));
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
  const mutantIndex = {};
  for (const [k, mutant] of mutants.entries()) {
    const output = JSON.parse(results[k + 1].output);
    for (const w of report(output, [`mutants/${mutant.name}/`])) otherWarnings.add(w);
    const buildInfo = `leash-mutant-${mutant.name}`;
    files.set(`build-info/${buildInfo}.json`, buildInfoJson(output, buildInfo));
    const contracts = [];
    const units = Object.keys(mutant.sources).sort();
    for (const w of deployable(output, units)) {
      const content = artifactJson(output, w);
      if (content === null) continue;
      const rel = `mutants/${mutant.name}/${shortPath(w)}`;
      add(rel, content, w);
      contracts.push(rel);
    }
    if (contracts.length === 0) fail(`mutants/${mutant.name} has no deployable contract`);
    mutantIndex[mutant.name] = { artifacts: contracts, sources: units };
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
  const artifactCount = Object.keys(artifacts).length;
  return { files, seconds, jobSeconds, version, sourceCount, artifactCount, mutantCount: mutants.length, dependencyWarnings };
}

function check(files) {
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
  return problems.sort();
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(" ")} (usage: node build.mjs [--check])`);
  const checkOnly = args.includes("--check");

  const { files, seconds, jobSeconds, version, sourceCount, artifactCount, mutantCount, dependencyWarnings } =
    await compile();
  console.log(
    `solc ${version}: ${sourceCount} root sources and ${mutantCount} mutants, ${artifactCount} artifacts, ` +
      `compiled in ${seconds.toFixed(1)} s (jobs took ${jobSeconds.toFixed(1)} s in all on ` +
      `${Math.min(os.availableParallelism(), mutantCount + 1)} threads; viaIR ${SETTINGS.viaIR}, ` +
      `runs ${SETTINGS.optimizer.runs}, evm ${SETTINGS.evmVersion})` +
      (dependencyWarnings > 0 ? `; ${dependencyWarnings} warning(s) in dependencies not shown` : ""),
  );

  if (checkOnly) {
    const problems = check(files);
    if (problems.length > 0) {
      console.error(`out/ does not match a fresh build (${problems.length} file(s)):`);
      for (const p of problems) console.error(`  ${p}`);
      fail("run `node build.mjs` and commit out/");
    }
    console.log(`out/ matches the fresh build (${files.size} files)`);
    return;
  }

  fs.rmSync(OUT, { recursive: true, force: true });
  for (const [rel, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(OUT, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    console.log(`  out/${rel}`);
  }
}

if (isMainThread) await main();
else workerMain();
