"""Render speed of the SES template renderer (reconciler.templates).

Template: a ~5 KB HTML order email with 10 variables, one {{#if}} and an {{#each}} over 10
items (the reference template of docs/templates.md). Prints renders per second (compiled
template reused), compile time, and the same for pybars3 / chevron when they are installed
(they are not dependencies of sesctl).

    .venv/bin/python benchmarks/bench_render.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.templates import compile_template

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


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Best renders/s over several timed slices (the machine is shared; best is least noisy)."""
    best = 0.0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        n, start = 0, time.perf_counter()
        while n < 200:
            fn()
            n += 1
        best = max(best, n / (time.perf_counter() - start))
    return best


def compile_ms(repeat: int = 50) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        compile_template(TEMPLATE, part="html")
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()

    template = compile_template(TEMPLATE, part="html")
    out = template.render(DATA)
    print(f"template: {len(TEMPLATE)} bytes, output {len(out)} bytes")
    ours = rate(lambda: template.render(DATA), args.seconds)
    escaped = compile_template(TEMPLATE, part="html", escape=True)
    ours_escaped = rate(lambda: escaped.render(DATA), args.seconds)
    print(f"sesctl renderer: {ours:10,.0f} renders/s (SES: strict, no escaping)")
    print(f"sesctl renderer: {ours_escaped:10,.0f} renders/s (handlebars.js escaping on)")
    print(f"sesctl compile:  {compile_ms():10.2f} ms (parse + checks + code generation + compile())")
    print("target:              15,000 renders/s, compile < 2 ms")

    if importlib.util.find_spec("pybars") is not None:
        import pybars

        compiled = pybars.Compiler().compile(TEMPLATE)
        theirs = rate(lambda: compiled(DATA), args.seconds)
        print(f"pybars3:         {theirs:10,.0f} renders/s  (ratio ours/theirs {ours / theirs:.1f}x)")
    else:
        print("pybars3:         not installed")
    if importlib.util.find_spec("chevron") is not None:
        import chevron

        theirs = rate(lambda: chevron.render(TEMPLATE, DATA), args.seconds)
        print(f"chevron:         {theirs:10,.0f} renders/s  (ratio ours/theirs {ours / theirs:.1f}x)")
    else:
        print("chevron:         not installed")


if __name__ == "__main__":
    main()
