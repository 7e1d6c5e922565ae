#!/usr/bin/env node
// Deterministic compile of leash's reference contracts with the pinned solc-js.
//
//   node build.mjs           compile, then rewrite out/ (Foundry layout) and out/BUILD.json
//   node build.mjs --check   compile in memory; exit 1 naming every file of out/ that is missing,
//                            differs from the fresh build, or should not be there
//
// Compiled: @account-abstraction/contracts/core/EntryPoint.sol and every .sol file under src/
// (recursively). Imports resolve to src/ or node_modules/. Artifacts are written for EntryPoint and
// for every non-abstract contract under src/ with non-empty bytecode; interfaces, libraries and
// abstract contracts are skipped.
//
// Artifact path: out/<File>.sol/<Contract>.json, as Foundry does. If two sources under src/ share
// that path, a source directly in src/ keeps it and the others move to
// out/<dir relative to src>/<File>.sol/<Contract>.json (e.g. out/mutants/m1/X.sol/X.json).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(ROOT, "src");
const OUT = path.join(ROOT, "out");
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

// Source unit names: "src/..." for our files, the package path for node_modules.
function resolveImport(unitName) {
  const normalized = path.posix.normalize(unitName);
  if (normalized.startsWith("../") || path.posix.isAbsolute(normalized)) {
    return { error: `import escapes the project: ${unitName}` };
  }
  const file = normalized.startsWith("src/")
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

function compile() {
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc-js ${version} is installed, ${SOLC_VERSION} is pinned: run \`npm ci\``);
  }

  const ourSources = listSolidity(SRC).map((f) => toPosix(path.relative(ROOT, f))).sort();
  const sources = {};
  const outputSelection = {};
  for (const [unit, contracts] of Object.entries(DEPENDENCY_SOURCES)) {
    const resolved = resolveImport(unit);
    if (resolved.error) fail(resolved.error);
    sources[unit] = { content: resolved.contents };
    outputSelection[unit] = Object.fromEntries(contracts.map((c) => [c, OUTPUTS]));
  }
  for (const unit of ourSources) {
    sources[unit] = { content: fs.readFileSync(path.join(ROOT, unit), "utf8") };
    outputSelection[unit] = { "*": OUTPUTS, "": ["ast"] };
  }

  const input = { language: "Solidity", sources, settings: { ...SETTINGS, outputSelection } };
  const started = process.hrtime.bigint();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const diagnostics = output.errors ?? [];
  const errors = diagnostics.filter((d) => d.severity === "error");
  const ours = (d) => d.sourceLocation?.file?.startsWith("src/");
  for (const d of diagnostics.filter((d) => d.severity !== "error" && ours(d))) {
    console.warn(d.formattedMessage.trimEnd());
  }
  const dependencyWarnings = diagnostics.filter((d) => d.severity !== "error" && !ours(d)).length;
  if (errors.length > 0) {
    for (const d of errors) console.error(d.formattedMessage.trimEnd());
    fail(`compilation failed with ${errors.length} error(s)`);
  }

  // Which contracts to write: the named dependency contracts, then deployable contracts of src/.
  const wanted = [];
  for (const [unit, contracts] of Object.entries(DEPENDENCY_SOURCES)) {
    for (const name of contracts) wanted.push({ unit, name });
  }
  for (const unit of ourSources) {
    const ast = output.sources?.[unit]?.ast;
    if (!ast) fail(`no AST for ${unit}`);
    for (const node of ast.nodes) {
      if (node.nodeType !== "ContractDefinition") continue;
      if (node.contractKind !== "contract" || node.abstract) continue;
      wanted.push({ unit, name: node.name });
    }
  }

  // Foundry-style artifact paths; a source directly in src/ (or a dependency) wins a shared path.
  const shortPath = ({ unit, name }) => `${path.posix.basename(unit)}/${name}.json`;
  const depth = ({ unit }) => (unit.startsWith("src/") ? unit.split("/").length - 2 : -1);
  const byShortPath = new Map();
  for (const w of wanted) byShortPath.set(shortPath(w), [...(byShortPath.get(shortPath(w)) ?? []), w]);

  const files = new Map();
  const artifacts = {};
  for (const w of wanted) {
    const contract = output.contracts?.[w.unit]?.[w.name];
    if (!contract) fail(`no output for ${w.unit}:${w.name}`);
    const bytecode = contract.evm.bytecode.object;
    const deployed = contract.evm.deployedBytecode.object;
    if (bytecode.length === 0) continue;
    if (bytecode.includes("__$") || deployed.includes("__$")) {
      fail(`${w.unit}:${w.name} needs library linking, which this build does not do`);
    }
    const sharers = byShortPath.get(shortPath(w));
    const minDepth = Math.min(...sharers.map(depth));
    let rel = shortPath(w);
    if (sharers.length > 1 && depth(w) !== minDepth) {
      const dir = path.posix.relative("src", path.posix.dirname(w.unit));
      if (dir === "") fail(`${w.unit}:${w.name} clashes with a dependency's out/${rel}; rename it`);
      rel = `${dir}/${rel}`;
    }
    if (files.has(rel)) fail(`two contracts map to out/${rel}; rename one of them`);
    files.set(
      rel,
      stringify({
        abi: contract.abi,
        bytecode: { object: `0x${bytecode}` },
        deployedBytecode: { object: `0x${deployed}` },
        methodIdentifiers: contract.evm.methodIdentifiers,
      }),
    );
    artifacts[rel] = { contract: w.name, source: w.unit };
  }

  const packages = Object.fromEntries(PINNED_PACKAGES.map((p) => [p, packageVersion(p)]));
  files.set(
    "BUILD.json",
    stringify({
      artifacts,
      compiler: { name: "solc-js", version },
      packages,
      settings: SETTINGS,
      sources: [...Object.keys(DEPENDENCY_SOURCES), ...ourSources],
    }),
  );
  return { files, seconds, version, sourceCount: Object.keys(sources).length, dependencyWarnings };
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

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(" ")} (usage: node build.mjs [--check])`);
  const checkOnly = args.includes("--check");

  const { files, seconds, version, sourceCount, dependencyWarnings } = compile();
  const artifactCount = files.size - 1;
  console.log(
    `solc ${version}: ${sourceCount} root sources, ${artifactCount} artifacts, ` +
      `compiled in ${seconds.toFixed(1)} s (viaIR ${SETTINGS.viaIR}, runs ${SETTINGS.optimizer.runs}, ` +
      `evm ${SETTINGS.evmVersion})` +
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

main();
