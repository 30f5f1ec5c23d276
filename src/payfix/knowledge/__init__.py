"""What processors and card networks publish, applied to one attempt.

* :mod:`~payfix.knowledge.lookup`: a processor's code resolved through the pack's code maps.
* :mod:`~payfix.knowledge.retry`: scheme-aware retry advice (when, how, how many more times).

It sits beside the engines, above the rule packs, below :mod:`payfix.diagnosis`.
"""
