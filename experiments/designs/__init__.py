"""One module per design method, as SALib keeps one per sampler. Each gives the number
of points a study has (``points``) and its samples (``sample``; factorial gives its table
instead); :mod:`experiments.design` dispatches on ``method.kind``."""
