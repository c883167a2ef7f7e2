"""LogisticRegression on raw pixels, PCA, RBM and sparse-autoencoder features.

The same as ``sk-sparse-ae demo --data fashion-mnist`` (the work is done by
``sk_sparse_ae.experiments.compare_downstream``); results go to
``benchmarks/results/downstream.{json,md}`` (``--output-dir``). Thread counts
default to the machine's core count so that they are always set explicitly and
recorded::

    python benchmarks/downstream_fashion_mnist.py [--quick] [--threads N]
"""

import os
import sys

from _common import RESULTS

from sk_sparse_ae.experiments import cli

if __name__ == "__main__":
    argv = sys.argv[1:]
    if not any(arg.startswith("--threads") for arg in argv):
        argv += ["--threads", str(os.cpu_count())]
    if not any(arg.startswith("--output-dir") for arg in argv):
        argv += ["--output-dir", str(RESULTS)]
    sys.exit(cli.main(["demo", "--data", "fashion-mnist", *argv]))
