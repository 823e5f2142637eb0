"""HCLM: entropy surrogates, information force, entropy flow and entropy-coefficient control.

Tran, "Human-Centered Learning Mechanics" (arXiv 2605.22940), §§4–8; user guide ``docs/hclm.md``.
The package namespace is the union of its modules' ``__all__``: the configuration parts
(:mod:`.config`), the registries of surrogates (:mod:`.surrogates`), regimes (:mod:`.controllers`) and
tasks (:mod:`.tasks`; the real-data tasks and their networks in :mod:`.real_tasks` and :mod:`.networks`),
the standard regularisers (:mod:`.regularizers`) and the training loop (:mod:`.train`).

>>> import hopfield_hclm as hh
>>> ds = hh.hclm.run(surrogate="logdet", regime="thermostat", coef=0.1, epochs=5)  # doctest: +SKIP
"""

from . import (config, controllers, feedback, flow, force, logdet_approx, networks, real_tasks, regularizers,
               surrogates, tasks, train)
from .config import *  # noqa: F403
from .controllers import *  # noqa: F403
from .feedback import *  # noqa: F403
from .flow import *  # noqa: F403
from .force import *  # noqa: F403
from .logdet_approx import *  # noqa: F403
from .networks import *  # noqa: F403
from .real_tasks import *  # noqa: F403
from .regularizers import *  # noqa: F403
from .surrogates import *  # noqa: F403
from .tasks import *  # noqa: F403
from .train import *  # noqa: F403

__all__ = sorted({name for module in (config, controllers, feedback, flow, force, logdet_approx, networks, real_tasks,
                                      regularizers, surrogates, tasks, train) for name in module.__all__})
