"""SES-faithful Handlebars templates: the public API used by the emulator, the reconciler,
sending and the MCP server. See docs/templates.md.

    tpl = parse_template("Hi {{user.name}}", part="subject")  # parse + checks, no code generation
    tpl.render({"user": {"name": "Ada"}})                 -> "Hi Ada" (interpreted)
    tpl.contract()                                        -> VariableContract from the same parse
    compile_template(source, part="html")                 -> CompiledTemplate, for many renders
    render_email(subject, html, text, data)               -> RenderedEmail (raises RenderError)
    merge_template_data(defaults, replacement)            -> SES's per-key bulk merge
    analyze(source)                                       -> VariableContract (required / optional paths)
    line_diff(before, after, part)                        -> unified diff text for plan output
"""

from __future__ import annotations

from .analysis import VariableContract, analyze, required_variables
from .diff import line_diff
from .email import RenderedEmail, render_email
from .errors import Part, RenderError, TemplateError, TemplateSyntaxError
from .merge import merge_template_data
from .template import CompiledTemplate, Template, compile_template, parse_template

__all__ = [
    "CompiledTemplate",
    "Part",
    "RenderError",
    "RenderedEmail",
    "Template",
    "TemplateError",
    "TemplateSyntaxError",
    "VariableContract",
    "analyze",
    "compile_template",
    "line_diff",
    "merge_template_data",
    "parse_template",
    "render_email",
    "required_variables",
]
