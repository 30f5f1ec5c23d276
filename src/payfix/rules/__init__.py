"""Rule packs: the condition language, the pack model, and the loader that alone reads pack files.

* :mod:`~payfix.rules.conditions`: the condition language (parse, type-check, evaluate);
  :mod:`~payfix.rules.forms` its other forms, :mod:`~payfix.rules.codegen` its Python source.
* :mod:`~payfix.rules.pack`: the loaded pack (rules, remedies, code maps, escalations, settings,
  retry limits); :mod:`~payfix.rules.schedules`: its fee schedules.
* :mod:`~payfix.rules.loader`: reads a pack folder (and an operator overlay) into a
  :class:`~payfix.rules.pack.RulePack`, every problem at once; safe YAML reading lives in
  :mod:`~payfix.rules._yamlsrc`, fee schedule files in :mod:`~payfix.rules._feefiles`.
* :mod:`~payfix.rules.lint` and :mod:`~payfix.rules.witness`: checks and example facts per rule.
* :mod:`~payfix.rules.catalogue`: the pack as a reviewable document.

It imports the foundation and :mod:`payfix.models` only: no engine, no diagnosis step.
"""
