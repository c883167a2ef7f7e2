"""``partial_fit`` after ``set_params``: apply a change exactly, or refuse it.

``partial_fit`` continues the fitted Keras model, which was built and compiled
with the parameters of its first fit. Each parameter
the model depends on is compared with the model itself
(``_model_settings.param_mismatches``):

- ``learning_rate`` is the optimizer's variable: it is assigned, and the
  optimizer keeps its state; ``learning_rate_`` reports it. ``"auto"``, which
  the first call resolved from its chunk, keeps the current ``learning_rate_``;
- ``sparsity_weight`` (``sparsity_weight_`` reports it; ``"auto"`` keeps it)
  and ``sparsity_target`` (attributes of the coding layer's regularizer) and
  a TopK model's ``auxk_weight`` and ``dead_after_samples`` (attributes of
  the model) are set and the model is
  recompiled with the same optimizer object (state kept), so the train step
  is traced again with them;
- every other difference (``n_components``, ``hidden_layer_sizes``,
  ``activation``, ``loss``, whose output activation differs, ``optimizer``,
  whose state differs, ``sparsity``, ``k``, ``auxk_k``, the width of a layer)
  needs a new model: ``partial_fit`` raises a ``ValueError`` that says to
  call ``fit``.
"""

from .._tf.variables import to_numpy
from ..nn._options import SPARSITY_PENALTIES
from ._auto_settings import ARCHITECTURE_PARAMS
from ._model_settings import param_mismatches

__all__ = ["ParamChanges"]

_MODEL_ATTRIBUTES = {"auxk_weight", "dead_after_samples"}
# learning_rate_ differs from the model's rate only if the model was changed
# by hand: the model is given the rate the estimator reports.
_APPLICABLE = {
    "learning_rate",
    "learning_rate_",
    "sparsity_weight",
    "sparsity_weight_",
    "sparsity_target",
} | _MODEL_ATTRIBUTES


class ParamChanges:
    """The parameter changes since ``estimator.model_`` was built.

    Raises ValueError on creation if a change needs a new model.
    :meth:`apply` makes the model match the parameters; :meth:`undo` puts it
    back (after a failed ``partial_fit`` call).
    """

    def __init__(self, estimator):
        self._estimator = estimator
        self._model = estimator.model_
        self._params = estimator.get_params(deep=False)
        fitted = {
            name: getattr(estimator, name, None)
            for name in (
                "loss_",
                "learning_rate_",
                "sparsity_weight_",
                *(f"{name}_" for name in ARCHITECTURE_PARAMS),
                "k_",
            )
        }
        self._changed = param_mismatches(self._params, self._model, fitted)
        refused = {
            name: values
            for name, values in self._changed.items()
            if name not in _APPLICABLE
        }
        if refused:
            described = ", ".join(
                f"{name}={wanted!r} (the model has {actual!r})"
                for name, (wanted, actual) in sorted(refused.items())
            )
            raise ValueError(
                "partial_fit continues the fitted model, but the parameters no "
                f"longer match it: {described}. These need a new model: call "
                "fit to start over with them, or set them back. (Changes of "
                f"{', '.join(sorted(_APPLICABLE - {'learning_rate_'}))} are "
                "applied by partial_fit.)"
            )
        self._undo = []

    def apply(self):
        """Give the model the changed learning rate and sparsity settings."""
        if {"learning_rate", "learning_rate_"} & set(self._changed):
            estimator = self._estimator
            optimizer = self._model.optimizer
            optimizer = getattr(optimizer, "inner_optimizer", optimizer)
            variable = optimizer.learning_rate
            old_rate, old_reported = to_numpy(variable), estimator.learning_rate_
            rate = self._params["learning_rate"]
            if rate == "auto":
                rate = old_reported
            variable.assign(rate)
            estimator.learning_rate_ = float(rate)

            def undo_rate():
                variable.assign(old_rate)
                estimator.learning_rate_ = old_reported

            self._undo.append(undo_rate)
        regularizer_changes = {}
        sparsity = self._params["sparsity"]
        if "sparsity_target" in self._changed:
            regularizer_changes["target"] = float(self._params["sparsity_target"])
        if {"sparsity_weight", "sparsity_weight_"} & set(self._changed):
            estimator = self._estimator
            weight, old_weight = (
                self._params["sparsity_weight"],
                estimator.sparsity_weight_,
            )
            if weight == "auto":
                weight = old_weight
            _, attribute = SPARSITY_PENALTIES[sparsity]
            regularizer_changes[attribute] = estimator.sparsity_weight_ = float(weight)

            def undo_weight():
                estimator.sparsity_weight_ = old_weight

            self._undo.append(undo_weight)
        model_changes = {
            name: self._params[name] for name in _MODEL_ATTRIBUTES & set(self._changed)
        }
        for target, changes in (
            (self._codings_regularizer(), regularizer_changes),
            (self._model, model_changes),
        ):
            if changes:
                old_values = {name: getattr(target, name) for name in changes}
                self._set_attributes(target, changes)
                self._undo.append(
                    lambda target=target, old=old_values: self._set_attributes(
                        target, old
                    )
                )

    def undo(self):
        """Put back what :meth:`apply` changed."""
        while self._undo:
            self._undo.pop()()

    def _codings_regularizer(self):
        return (
            self._model.get_layer("encoder").get_layer("codings").activity_regularizer
        )

    def _set_attributes(self, target, values):
        for name, value in values.items():
            setattr(target, name, value)
        # The traced train step holds the old values as constants: compiling
        # again (same optimizer object, so its state is kept) retraces it.
        self._model.compile(optimizer=self._model.optimizer, loss=self._model.loss)
