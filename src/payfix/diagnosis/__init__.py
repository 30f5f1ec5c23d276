"""The pipeline of one diagnosis, in order:

report → :mod:`~payfix.diagnosis.facts` (enrichment, with :mod:`~payfix.diagnosis.payee` checks
and :mod:`~payfix.diagnosis.feefacts` fee quotes) → rule hits (an engine) →
:mod:`~payfix.diagnosis.ranking` → :mod:`~payfix.diagnosis.escalation` →
:mod:`~payfix.diagnosis.handoff` → :mod:`~payfix.diagnosis.present` (locale, audience, wording),
with :mod:`~payfix.diagnosis.explain` for the agent's trace. :mod:`~payfix.diagnosis.diagnoser`
runs them; :mod:`~payfix.diagnosis.codes` answers "what does this code mean".

The layer above the engines and the knowledge; only the edges (CLI, service, batch, Spark) import
it.
"""
