"""Render speed of the SES template renderer (reconciler.templates) beside other engines.

Template: a ~5 KB HTML order email with 10 variables, one {{#if}} and an {{#each}} over 10
items (the reference template of docs/templates.md).

Sustained rates, interleaved: every round runs each renderer for one slice (--slice seconds
of CPU time: on a shared machine wall time counts the other tenants' work too) in a rotating
order, so machine noise hits all of them alike; each is reported as the median renders per
CPU second over the rounds with its min-max, and beside ours as the median of the per-round
ratios. Renderers, each where installed (none is a dependency of sesctl; missing ones are
skipped): handlebars.js in node (tests/node/node_modules, as .ci/run installs it; compiled
once, {noEscape, strict} and escaped), pyhandlebars (Rust, escapes), pybars3, and chevron on a
Mustache version of the template (chevron cannot parse {{#if}}; Mustache escapes).

Printed numbers are cached by value (runtime.NUMBER_TEXT), and DATA repeats its numbers in
every render; the row "new numbers every render" cycles through copies of DATA with 10,000
distinct prices, more than the cache keeps, so each price is converted afresh.

Then the one-shot costs: parse + check, compile, and a first render interpreted vs compiled.

    .venv/bin/python benchmarks/bench_render.py [--rounds 9] [--slice 0.3]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.templates import compile_template, parse_template

ROOT = Path(__file__).resolve().parents[1]
HANDLEBARS_JS = ROOT / "tests" / "node" / "node_modules" / "handlebars"

ROW = """      <tr class="item">
        <td class="name" style="padding:8px 12px;border-bottom:1px solid #eee;font-family:Arial,sans-serif">{{name}}</td>
        <td class="qty" style="padding:8px 12px;border-bottom:1px solid #eee;text-align:right">{{qty}}</td>
        <td class="price" style="padding:8px 12px;border-bottom:1px solid #eee;text-align:right">{{price}}</td>
      </tr>
"""

TEMPLATE = (
    """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Your order {{order.id}} from {{shop.name}}</title>
  <style>
    body { margin:0; padding:0; background:#f4f4f7; color:#333; font-family:Arial,Helvetica,sans-serif; }
    .wrapper { width:100%; background:#f4f4f7; padding:24px 0; }
    .content { max-width:600px; margin:0 auto; background:#ffffff; border-radius:6px; overflow:hidden; }
    .header { background:#1a73e8; color:#ffffff; padding:24px 32px; font-size:22px; font-weight:bold; }
    .body { padding:24px 32px; font-size:15px; line-height:1.6; }
    .items { width:100%; border-collapse:collapse; margin:16px 0; }
    .items th { text-align:left; padding:8px 12px; background:#fafafa; border-bottom:2px solid #ddd; }
    .total td { font-weight:bold; padding:12px; border-top:2px solid #333; }
    .footer { padding:16px 32px; font-size:12px; color:#888; text-align:center; }
    .button { display:inline-block; padding:12px 24px; background:#1a73e8; color:#fff; text-decoration:none; border-radius:4px; }
  </style>
</head>
<body>
  <div class="wrapper">
    <div class="content">
      <div class="header">{{shop.name}}</div>
      <div class="body">
        <p>Hello {{customer.first_name}},</p>
        <p>Thank you for your order <strong>#{{order.id}}</strong> placed on {{order.date}}.
           We are getting it ready and will let you know as soon as it ships. Below is a summary
           of what you bought; keep this email for your records.</p>
        {{#if customer.vip}}
        <p class="vip" style="background:#fff8e1;padding:12px;border-left:4px solid #ffb300">
          As a VIP member you get free express shipping on this order and every order after it.
          Your member number is {{customer.member_id}}.
        </p>
        {{/if}}
        <table class="items" role="presentation">
          <tr><th>Item</th><th style="text-align:right">Qty</th><th style="text-align:right">Price</th></tr>
          {{#each items}}
"""
    + ROW
    + """          {{/each}}
          <tr class="total"><td colspan="2">Total</td><td style="text-align:right">{{order.total}}</td></tr>
        </table>
        <p>Shipping to:<br>{{customer.address}}</p>
        <p style="text-align:center;margin:32px 0">
          <a class="button" href="{{order.url}}">View your order</a>
        </p>
        <p>If you have any questions, reply to this email or contact our support team. We are
           happy to help with returns, exchanges and anything else about your purchase.</p>
      </div>
      <div class="legal" style="padding:16px 32px;font-size:11px;color:#999;line-height:1.5">
        <p>Prices include VAT where applicable. Delivery times are estimates and may vary during
           holidays and peak seasons. Items can be returned within 30 days of delivery in their
           original condition and packaging; refunds are issued to the original payment method
           within 5 to 10 business days after we receive the return. Some items, such as
           personalised products, gift cards and perishable goods, cannot be returned.</p>
        <p>Your payment was processed securely. We never store your full card number. For your
           security, we will never ask you for your password or card details by email. If you
           receive a suspicious message that claims to be from us, please forward it to our
           security team and delete it without clicking any links or opening attachments.</p>
        <p>Read our terms of sale, privacy notice and cookie policy on our website. You can
           change your communication preferences at any time in your account settings, where
           you can also download a copy of your data or ask us to delete your account.</p>
        <table role="presentation" style="width:100%;margin-top:12px"><tr>
          <td style="text-align:center"><a href="https://shop.example/help" style="color:#999">Help centre</a></td>
          <td style="text-align:center"><a href="https://shop.example/returns" style="color:#999">Returns</a></td>
          <td style="text-align:center"><a href="https://shop.example/account" style="color:#999">Your account</a></td>
          <td style="text-align:center"><a href="https://shop.example/privacy" style="color:#999">Privacy</a></td>
        </tr></table>
      </div>
      <div class="footer">
        You receive this email because you placed an order at {{shop.name}}.<br>
        Example Shop Inc., 123 Market Street, Springfield &middot;
        <a href="{{unsubscribe_url}}">Unsubscribe</a>
      </div>
    </div>
  </div>
</body>
</html>
"""
)

DATA: dict[str, Any] = {
    "shop": {"name": "Example Shop"},
    "customer": {
        "first_name": "Ada",
        "vip": True,
        "member_id": "VIP-2024-0042",
        "address": "1 Analytical Way, London",
    },
    "order": {
        "id": "100234",
        "date": "2026-11-28",
        "total": "249.90",
        "url": "https://shop.example/o/100234",
    },
    "unsubscribe_url": "https://shop.example/unsubscribe?u=42",
    "items": [{"name": f"Product number {i}", "qty": i % 3 + 1, "price": 9.99 + i} for i in range(10)],
}



def new_numbers(rounds: int) -> list[dict[str, Any]]:
    """DATA with other prices in each copy: 10 distinct floats a copy, so that cycling through
    1,000 copies prints more distinct numbers than reconciler.templates.runtime.NUMBER_TEXT
    keeps and every price is converted afresh (the cache's worst case)."""
    copies = []
    for r in range(rounds):
        items = [dict(item, price=round(item["price"] + r / 1000, 3)) for item in DATA["items"]]
        copies.append(dict(DATA, items=items))
    return copies


# A Mustache version for chevron: sections instead of #if / #each (the same output).
MUSTACHE = (
    TEMPLATE.replace("{{#if customer.vip}}", "{{#customer.vip}}")
    .replace("{{/if}}", "{{/customer.vip}}")
    .replace("{{#each items}}", "{{#items}}")
    .replace("{{/each}}", "{{/items}}")
)

# handlebars.js in a node child: "MODE SECONDS" on stdin -> "COUNT ELAPSED" on stdout, so its
# slices interleave with ours. Output is checked once ("check MODE").
NODE_WORKER = r"""
const Handlebars = require(process.argv[1]);
const readline = require("readline");
const input = JSON.parse(require("fs").readFileSync(0 + "", "utf8").split("\n")[0] || "{}");
"""

NODE_SCRIPT = r"""
const Handlebars = require(process.argv[1]);
const [template, data] = JSON.parse(process.argv[2]);
const modes = {
  ses: Handlebars.compile(template, { noEscape: true, strict: true }),
  escaped: Handlebars.compile(template, { strict: true }),
};
const rl = require("readline").createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  const [mode, seconds] = line.trim().split(" ");
  const fn = modes[mode];
  if (seconds === "check") { process.stdout.write(JSON.stringify(fn(data)) + "\n"); return; }
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const limit = Number(seconds);
  const start = cpu();
  let n = 0, now = start;
  while (now - start < limit) { for (let i = 0; i < 100; i++) fn(data); n += 100; now = cpu(); }
  process.stdout.write(n + " " + (now - start) + "\n");
});
"""


class NodeRenderer:
    """handlebars.js in a node child process, driven one slice at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", "-e", NODE_SCRIPT, str(HANDLEBARS_JS), json.dumps([TEMPLATE, DATA])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def output(self, mode: str) -> str:
        result: str = json.loads(self.ask(f"{mode} check"))
        return result

    def slice(self, mode: str, seconds: float) -> float:
        count, elapsed = self.ask(f"{mode} {seconds}").split()
        return int(count) / float(elapsed)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def python_slice(fn: Callable[[], object], seconds: float) -> float:
    """Renders per CPU second over one slice of about ``seconds`` of CPU time."""
    n = 0
    start = time.process_time()
    end = start + seconds
    now = start
    while now < end:
        for _ in range(20):
            fn()
        n += 20
        now = time.process_time()
    return n / (now - start)


def contenders(node: NodeRenderer | None) -> tuple[dict[str, Callable[[float], float]], list[str]]:
    """name -> run one slice of that many seconds, returning renders/s; and notes."""
    compiled = compile_template(TEMPLATE, part="html")
    escaped = compile_template(TEMPLATE, part="html", escape=True)
    parsed = parse_template(TEMPLATE, part="html")
    expected = compiled.render(DATA)
    runs: dict[str, Callable[[float], float]] = {
        "sesctl compiled (SES: strict, raw)": lambda s: python_slice(lambda: compiled.render(DATA), s),
        "sesctl compiled, escaping on": lambda s: python_slice(lambda: escaped.render(DATA), s),
        "sesctl interpreted (one-shot path)": lambda s: python_slice(lambda: parsed.interpret(DATA), s),
    }
    fresh = itertools.cycle(new_numbers(1000))
    runs["sesctl compiled, new numbers every render"] = lambda s: python_slice(
        lambda: compiled.render(next(fresh)), s
    )
    notes: list[str] = []
    if node is not None:
        runs["handlebars.js (node) noEscape strict"] = lambda s: node.slice("ses", s)
        runs["handlebars.js (node) escaping on"] = lambda s: node.slice("escaped", s)
        if node.output("ses") != expected:
            notes.append("handlebars.js: output differs from ours")
    else:
        notes.append("handlebars.js: skipped (node or tests/node/node_modules/handlebars missing)")
    if importlib.util.find_spec("pyhandlebars") is not None:
        import pyhandlebars

        rust: Any = pyhandlebars.Template(TEMPLATE)
        runs["pyhandlebars (Rust, escapes)"] = lambda s: python_slice(lambda: rust.format(DATA), s)
        if rust.format(DATA) != escaped.render(DATA):
            notes.append("pyhandlebars: output differs from ours with escaping on (number printing)")
    else:
        notes.append("pyhandlebars: not installed")
    if importlib.util.find_spec("pybars") is not None:
        import pybars

        pb = pybars.Compiler().compile(TEMPLATE)
        runs["pybars3"] = lambda s: python_slice(lambda: pb(DATA), s)
    else:
        notes.append("pybars3: not installed")
    if importlib.util.find_spec("chevron") is not None:
        import chevron

        runs["chevron (Mustache version, escapes)"] = lambda s: python_slice(
            lambda: chevron.render(MUSTACHE, DATA), s
        )
    else:
        notes.append("chevron: not installed")
    return runs, notes


def one_shot_ms(fn: Callable[[], object], repeat: int = 30) -> float:
    """Median CPU milliseconds of ``fn`` (a whole one-shot operation)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds")
    parser.add_argument("--slice", type=float, default=0.3, help="seconds per renderer per round")
    args = parser.parse_args()

    node = NodeRenderer() if shutil.which("node") and HANDLEBARS_JS.is_dir() else None
    try:
        runs, notes = contenders(node)
        rates: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                rates[name].append(runs[name](args.slice))
    finally:
        if node is not None:
            node.close()

    ours = rates[names[0]]
    out = compile_template(TEMPLATE, part="html").render(DATA)
    print(f"template: {len(TEMPLATE)} bytes, output {len(out)} bytes")
    print(f"{args.rounds} interleaved rounds of {args.slice:g} CPU s per renderer; renders per CPU second")
    print(f"{'renderer':40} {'median/s':>10} {'min-max':>17} {'ours/theirs':>12}")
    for name in names:
        values = rates[name]
        ratios = [a / b for a, b in zip(ours, values, strict=True)]
        ratio = "" if name == names[0] else f"{statistics.median(ratios):.2f}x"
        spread = f"{min(values):,.0f}-{max(values):,.0f}"
        print(f"{name:40} {statistics.median(values):>10,.0f} {spread:>17} {ratio:>12}")
    for note in notes:
        print(f"  note: {note}")

    parse_ms = one_shot_ms(lambda: parse_template(TEMPLATE, part="html"))
    compile_ms = one_shot_ms(lambda: compile_template(TEMPLATE, part="html"))
    interp_once = one_shot_ms(lambda: parse_template(TEMPLATE, part="html").interpret(DATA))
    compiled_once = one_shot_ms(lambda: compile_template(TEMPLATE, part="html").render(DATA))
    print("one-shot, CPU time (median of 30):")
    print(f"  parse + checks                 {parse_ms:8.2f} ms")
    print(f"  parse + checks + compile       {compile_ms:8.2f} ms")
    print(f"  parse + first render, interpreted {interp_once:5.2f} ms")
    print(f"  parse + first render, compiled    {compiled_once:5.2f} ms")


if __name__ == "__main__":
    main()
