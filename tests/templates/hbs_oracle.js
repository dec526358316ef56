// handlebars.js as a test oracle: reads JSON lines {template, data, partials?, options?} on stdin
// and answers one JSON line per request: {"ok": output} or {"error": message}.
// Default options are SES-like: {noEscape: true, strict: true}.
"use strict";
const path = require("path");
const readline = require("readline");
const Handlebars = require(path.join(__dirname, "..", "node", "node_modules", "handlebars"));

// {{log}} writes through console; keep stdout for answers only.
for (const level of ["log", "info", "warn", "error", "debug"]) console[level] = () => {};

const rl = readline.createInterface({ input: process.stdin, terminal: false });
const out = [];
rl.on("line", (line) => {
  if (!line.trim()) return;
  let answer;
  try {
    const req = JSON.parse(line);
    // One environment for all requests: partials are passed per render, never registered.
    const options = req.options || { noEscape: true, strict: true };
    const render = Handlebars.compile(req.template, options);
    answer = { ok: render(req.data, { partials: req.partials || {} }) };
  } catch (err) {
    answer = { error: String((err && err.message) || err) };
  }
  out.push(JSON.stringify(answer));
  if (out.length >= 256) process.stdout.write(out.splice(0).join("\n") + "\n");
});
rl.on("close", () => {
  if (out.length) process.stdout.write(out.join("\n") + "\n");
});
