"""Inputs: what comes in, checked before anything else sees it.

:mod:`payfix.inputs.intake` turns a report given as JSON text, bytes, a mapping or a model into a
validated :class:`payfix.models.AttemptReport`, or an :class:`payfix.InvalidReportError` listing
every problem. :mod:`payfix.inputs.adapters` reads a processor's own object (a Stripe error, an
Adyen notification ...) as such a report, one module per source, and :mod:`payfix.inputs.columnmap`
reads someone else's CSV or Parquet columns through a map that states units. This layer imports
only the foundation (:mod:`payfix.vocab`, :mod:`payfix.errors`, :mod:`payfix.masking`,
:mod:`payfix.money`) and :mod:`payfix.models`.
"""
