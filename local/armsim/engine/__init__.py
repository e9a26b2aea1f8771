"""ARM template engine of Beast's local ARM simulator (pure Python, no HTTP).

    plan = prepare(template, parameters, scope)    # raises TemplateError
    for decl in plan.resources:                     # creation order
        body = plan.render(decl, reference)
    outputs = plan.outputs(reference)

Modules: expressions (tokenizer, parser, evaluator), functions (the function library),
values (JSON values, property copy), parameters (validation), plan (variables, resource
copies, conditions, dependsOn ordering, rendering, outputs).
"""

from local.armsim.engine.errors import TemplateError
from local.armsim.engine.functions import REGISTRY, SPECIAL_FORMS
from local.armsim.engine.model import Reference, ResourceDecl, Scope
from local.armsim.engine.plan import Plan, prepare

SUPPORTED_FUNCTIONS = sorted({*REGISTRY, *SPECIAL_FORMS})

__all__ = [
    "SUPPORTED_FUNCTIONS",
    "Plan",
    "Reference",
    "ResourceDecl",
    "Scope",
    "TemplateError",
    "prepare",
]
