// Compiles Foundry test files with solc-js, the way `forge build` would with default settings
// (no optimizer, legacy code generation), against forge-std and a ds-test stand-in. leash's tests
// use it to check that the tests `leash export foundry` writes compile; nothing here runs them.
//
//   node compile_foundry_tests.mjs --solc <solc package dir> --forge-std <dir> --ds-test <dir>
//        [--evm-version <name>] <file.t.sol>...
//
// Imports resolve like Foundry remappings: `forge-std/<path>` to <forge-std dir>/<path> (the
// npm package forge-std@1.1.2 keeps its files at the package root), `ds-test/<path>` to
// <ds-test dir>/<path>, anything else relative to the importing file's directory.
//
// Prints one JSON document on stdout:
//   {"solc": "<version>", "errors": ["<formatted message>", ...], "warnings": <count>,
//    "contracts": {"<file>": {"<contract>": {"functions": ["setUp()", ...], "bytecode": <bytes>}}}}
// and exits 0 when there is no error, 1 when solc reports one, 2 on bad usage.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

function usage(message) {
  process.stderr.write(`compile_foundry_tests: ${message}\n`);
  process.exit(2);
}

const options = { "--evm-version": "cancun" };
const files = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith("--")) {
    if (i + 1 >= args.length) usage(`${args[i]} needs a value`);
    options[args[i]] = args[++i];
  } else {
    files.push(args[i]);
  }
}
for (const flag of ["--solc", "--forge-std", "--ds-test"]) {
  if (!options[flag]) usage(`missing ${flag}`);
}
if (files.length === 0) usage("no test file given");

const require = createRequire(import.meta.url);
const solc = require(path.resolve(options["--solc"]));
const forgeStd = path.resolve(options["--forge-std"]);
const dsTest = path.resolve(options["--ds-test"]);

const sources = {};
for (const file of files) {
  sources[path.basename(file)] = { content: fs.readFileSync(file, "utf8") };
}

function findImports(importPath) {
  let resolved;
  if (importPath.startsWith("forge-std/")) {
    resolved = path.join(forgeStd, importPath.slice("forge-std/".length));
  } else if (importPath.startsWith("ds-test/")) {
    resolved = path.join(dsTest, importPath.slice("ds-test/".length));
  } else {
    return { error: `import '${importPath}' is not under forge-std/ or ds-test/` };
  }
  try {
    return { contents: fs.readFileSync(resolved, "utf8") };
  } catch (error) {
    return { error: `import '${importPath}' (${resolved}): ${error.message}` };
  }
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: options["--evm-version"],
    optimizer: { enabled: false },
    outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.methodIdentifiers"] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const diagnostics = output.errors ?? [];
const errors = diagnostics
  .filter((d) => d.severity === "error")
  .map((d) => d.formattedMessage ?? d.message);
const contracts = {};
for (const [file, byName] of Object.entries(output.contracts ?? {})) {
  if (!(file in sources)) continue;
  contracts[file] = {};
  for (const [name, contract] of Object.entries(byName)) {
    contracts[file][name] = {
      functions: Object.keys(contract.evm?.methodIdentifiers ?? {}).sort(),
      bytecode: (contract.evm?.bytecode?.object ?? "").length / 2,
    };
  }
}
process.stdout.write(
  JSON.stringify({
    solc: solc.version(),
    errors,
    warnings: diagnostics.length - errors.length,
    contracts,
  }) + "\n",
);
process.exit(errors.length === 0 ? 0 : 1);
