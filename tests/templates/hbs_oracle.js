// handlebars.js as a test oracle: reads JSON lines {template, data, partials?, options?,
// stringify?} on stdin and answers one JSON line per request: {"ok": output} or {"error": message}.
// Default options are SES-like: {noEscape: true, strict: true}.
//
// With "stringify": true, every appended value is turned into a string before it joins the
// output. Plain handlebars.js joins adjacent unescaped values with JavaScript "+", so
// {{{t}}}{{{t}}} with t = true gives "2" (a JavaScript artefact, not template semantics).
"use strict";
const path = require("path");
const readline = require("readline");
const Handlebars = require(path.join(__dirname, "..", "node", "node_modules", "handlebars"));

// {{log}} writes through console; keep stdout for answers only.
for (const level of ["log", "info", "warn", "error", "debug"]) console[level] = () => {};

const plain = Handlebars.create();
const stringifying = Handlebars.create();
function StringifyingCompiler() {}
StringifyingCompiler.prototype = new Handlebars.JavaScriptCompiler();
StringifyingCompiler.prototype.appendToBuffer = function (source, location, explicit) {
  const stringified = this.source.wrap(['"" + (', source, ")"], location);
  return Handlebars.JavaScriptCompiler.prototype.appendToBuffer.call(this, stringified, location, explicit);
};
StringifyingCompiler.prototype.compiler = StringifyingCompiler; // for nested programs too
stringifying.JavaScriptCompiler = StringifyingCompiler;

const rl = readline.createInterface({ input: process.stdin, terminal: false });
const out = [];
rl.on("line", (line) => {
  if (!line.trim()) return;
  let answer;
  try {
    const req = JSON.parse(line);
    const env = req.stringify ? stringifying : plain;
    const options = req.options || { noEscape: true, strict: true };
    const render = env.compile(req.template, options);
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
