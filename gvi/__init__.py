"""The front ends of gvi-sim: the ``gvi`` command (:mod:`gvi.cli`), the HTML reports
(:mod:`gvi.report`), the en/sv message catalogues (:mod:`gvi.i18n`), the trainers'
browser app (:mod:`gvi.app`) and the generated docs (:mod:`gvi.docs`).

The simulation itself is in :mod:`model`, :mod:`agents` and :mod:`scenarios`; the
experiment engine (seeds, runs, stores, comparisons, studies) in :mod:`experiments`.
Nothing here is imported by the engine except lazily, to write a report or to word a
message by the English catalogue (:class:`scenarios.errors.Message`).
"""
