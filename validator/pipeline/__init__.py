"""The pipeline: one ``run`` from a program and its inputs to an immutable ``Report``, under a
``Settings`` tree with named profiles (quick / default / thorough).

    from validator.pipeline import Settings, run
    report = run(model, (x,), Settings.profile("quick").but(dynamic=True))

Stages, in order: ``capture`` (one compile, every pass recorded), ``symbolic`` (Z3 proofs),
``numeric`` + ``localize`` (each changed step checked by its kind, the first divergence blamed;
step kinds in ``localize.kinds``), ``fidelity`` (the user's plain compile), then ``report``.
"""

from ._run import Selection, check_inputs, run
from ._settings import PROFILES, CompileSettings, Settings

__all__ = ["PROFILES", "CompileSettings", "Selection", "Settings", "check_inputs", "run"]
