"""Import Mesa without the parts of it the model never uses (the one place of this
workaround in the project; imported first by :mod:`model`).

``mesa/__init__.py`` (3.3.1) imports ``mesa.experimental`` (its continuous space pulls in
``scipy.spatial``, about 0.5 s) and ``mesa.space`` (which pulls in ``networkx``, about
0.2 s), although the model uses neither: a quarter of ``gvi run gvi``'s wall time before
this. While Mesa is imported here, those two submodules are stand-ins in ``sys.modules``;
afterwards the stand-ins are removed, so ``import mesa.experimental`` (the trainers' app,
Mesa's own visualisation) imports the real module, and a stand-in still bound somewhere
(``mesa.experimental``, ``mesa.space``, ``from mesa import *``) imports the real module on
its first attribute access and hands that on. Everything else of Mesa (``Agent``,
``Model``, ``DataCollector``, ``batch_run``, ``discrete_space``) is imported as usual, in
Mesa's own order.

If Mesa is already imported, it is used as it is. If importing Mesa with the stand-ins
fails in any way (a Mesa whose ``__init__`` uses those submodules while it is imported),
every partly imported Mesa module is dropped and Mesa is imported normally.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable

DEFERRED = ("mesa.experimental", "mesa.space")


def _stand_in(name: str) -> types.ModuleType:
    """A module that imports ``name`` on its first attribute access and hands that on."""
    module = types.ModuleType(name, f"{name}, imported on first use (model.mesa_import)")

    def __getattr__(attr: str) -> object:
        if sys.modules.get(name) is module:  # Mesa is still being imported
            raise AttributeError(f"module {name!r} has no attribute {attr!r} yet")
        return getattr(importlib.import_module(name), attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def import_mesa(deferred: Iterable[str] = DEFERRED) -> types.ModuleType:
    """The ``mesa`` package, imported without the submodules ``deferred`` when it is not
    imported yet."""
    if "mesa" in sys.modules:
        return importlib.import_module("mesa")
    stand_ins = {name: _stand_in(name) for name in deferred if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module("mesa")
    except Exception:
        for name in [n for n in sys.modules if n == "mesa" or n.startswith("mesa.")]:
            del sys.modules[name]
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return importlib.import_module("mesa")


mesa = import_mesa()
