"""TensorFlow and Keras runtime matters, one module each, none of them scikit-learn's.

Which backend runs (``backend``), TensorFlow's thread pools in worker
processes (``threads``), its start-up log lines (``quiet_import``), the one
aligned float32 copy of the data (``memory``), reading variables into NumPy
(``variables``), the supported dtype policies (``dtype_policy``) and the
gradient registry that traced train steps would grow (``gradient_registry``).
Private APIs of TensorFlow, Keras and scikit-learn are in :mod:`sk_sparse_ae._compat`.
"""
