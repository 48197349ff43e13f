#!/usr/bin/env node
// Checks that a resource plugin built here serves what its npm SDK expects:
// every resource and function token of the SDK, and for each resource, input
// type and output type the same property names, with arrays and maps where
// the SDK has them. The SDK was generated from Pulumi's own plugin, so a
// difference means the wrapper's mapping (tokens, renames) is off.
//
// usage: check-schema.js SCHEMA_JSON SDK_DIR [TOKEN_NOT_SERVED...]
//   SCHEMA_JSON       output of `pulumi package get-schema PLUGIN_BINARY`
//   SDK_DIR           e.g. node_modules/@pulumi/docker
//   TOKEN_NOT_SERVED  SDK tokens the plugin knowingly leaves out
"use strict";

const fs = require("fs");
const path = require("path");

const [schemaPath, sdkDir, ...notServed] = process.argv.slice(2);
if (!schemaPath || !sdkDir) {
    console.error("usage: check-schema.js SCHEMA_JSON SDK_DIR [TOKEN_NOT_SERVED...]");
    process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
const problems = [];
let compared = 0;

// Top-level members of `export interface NAME { ... }` in a declaration file,
// with their declared types.
function members(dts, name) {
    const start = dts.indexOf(`export interface ${name} {`);
    if (start < 0) {
        return undefined;
    }
    const body = dts.slice(start, dts.indexOf("\n}", start)).split("\n").slice(1);
    const out = new Map();
    let current;
    for (const line of body) {
        const m = line.match(/^ {4}(?:readonly )?([A-Za-z0-9_]+)\??: (.*)$/);
        if (m) {
            current = m[1];
            out.set(current, m[2]);
        } else if (current && /^ {5,}/.test(line)) {
            out.set(current, out.get(current) + line.trim()); // a type spanning lines
        } else {
            current = undefined;
        }
    }
    return out;
}

function kindOfSdk(type) {
    if (type.includes("[key: string]")) return "map";
    if (type.includes("[]")) return "array";
    return "single";
}

function kindOfSchema(prop) {
    if (prop.type === "array") return "array";
    if (prop.type === "object" && prop.additionalProperties) return "map";
    return "single";
}

function compare(label, sdkMembers, schemaProps) {
    if (!sdkMembers) {
        return;
    }
    const have = schemaProps || {};
    for (const [name, type] of sdkMembers) {
        if (!(name in have)) {
            problems.push(`${label}: the SDK has ${name}, the plugin does not`);
        } else if (kindOfSdk(type) !== kindOfSchema(have[name])) {
            problems.push(`${label}.${name}: the SDK has ${kindOfSdk(type)}, the plugin ${kindOfSchema(have[name])}`);
        }
        compared++;
    }
    for (const name of Object.keys(have)) {
        if (!sdkMembers.has(name)) {
            problems.push(`${label}: the plugin has ${name}, the SDK does not`);
        }
    }
}

const fileOf = (token) => path.join(sdkDir, token.split(":")[1].split("/").pop() + ".d.ts");
const upperFirst = (s) => s[0].toUpperCase() + s.slice(1);

for (const [token, res] of Object.entries(schema.resources || {})) {
    const name = token.split(":")[2];
    const dts = read(fileOf(token));
    compare(`${token} inputs`, members(dts, `${name}Args`), res.inputProperties);
    compare(`${token} state`, members(dts, `${name}State`), res.properties);
}
for (const [token, fn] of Object.entries(schema.functions || {})) {
    if (token.startsWith("pulumi:providers:")) continue;
    const name = upperFirst(token.split(":")[2]);
    const dts = read(fileOf(token));
    compare(`${token} args`, members(dts, `${name}Args`), (fn.inputs || {}).properties);
    compare(`${token} result`, members(dts, `${name}Result`), (fn.outputs || {}).properties);
}
const inputs = read(path.join(sdkDir, "types", "input.d.ts"));
const outputs = read(path.join(sdkDir, "types", "output.d.ts"));
for (const [token, type] of Object.entries(schema.types || {})) {
    const name = token.split(":")[2];
    compare(`input type ${name}`, members(inputs, name), type.properties);
    compare(`output type ${name}`, members(outputs, name), type.properties);
}

// Every token the SDK registers must be served (or knowingly not).
const served = new Set([...Object.keys(schema.resources || {}), ...Object.keys(schema.functions || {})]);
for (const file of fs.readdirSync(sdkDir).filter((f) => f.endsWith(".js"))) {
    for (const m of read(path.join(sdkDir, file)).matchAll(/"([a-z0-9-]+:index\/[A-Za-z0-9]+:[A-Za-z0-9]+)"/g)) {
        if (!served.has(m[1]) && !notServed.includes(m[1])) {
            problems.push(`${m[1]} (${file}) is not served by the plugin`);
        }
    }
}

if (problems.length > 0) {
    console.error(problems.map((p) => `  ${p}`).join("\n"));
    console.error(`check-schema: ${problems.length} difference(s) between the plugin and ${sdkDir}`);
    process.exit(1);
}
console.log(`check-schema: ${compared} properties of ${served.size} resources and functions match ${sdkDir}`);
