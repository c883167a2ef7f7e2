"""The command line: fast to start, options checked first, only its own output."""

import os
import subprocess
import sys
import textwrap

import pytest

import sk_sparse_ae
from sk_sparse_ae._tf import quiet_import as _quiet_startup
from sk_sparse_ae.experiments import cli


def _run_python(code, env=None):
    """Run ``code`` in a fresh interpreter; return the completed process."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_help_and_option_errors_do_not_import_tensorflow():
    done = _run_python(
        """
        import sys
        import sk_sparse_ae
        from sk_sparse_ae.experiments import cli
        codes = []
        for argv in (["--help"], ["demo", "--help"], ["demo", "--epochs", "0"]):
            try:
                cli.main(argv)
            except SystemExit as exit:
                codes.append(exit.code)
        heavy = sorted({"tensorflow", "keras", "sklearn"} & set(sys.modules))
        print("RESULT", codes, heavy)
        """
    )
    assert "RESULT [0, 0, 2] []" in done.stdout, done.stderr


def test_public_names_load_on_first_use():
    for name in sk_sparse_ae.__all__:
        value = getattr(sk_sparse_ae, name)
        assert getattr(value, "__module__", "").startswith("sk_sparse_ae.")
        assert name in dir(sk_sparse_ae)
    namespace = {}
    exec("from sk_sparse_ae import *", namespace)
    assert set(sk_sparse_ae.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        sk_sparse_ae.NoSuchName  # noqa: B018


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--epochs", "0"], "argument --epochs: expected an integer >= 1"),
        (["demo", "--cv", "1"], "argument --cv: expected an integer >= 2"),
        (["demo", "--cv", "500"], "argument --cv: at most 131 folds"),
        (["demo", "--n-jobs", "0"], "argument --n-jobs: expected a non-zero integer"),
        (["demo", "--weights", "inf"], "weights must be finite and >= 0, got 'inf'"),
        (["demo", "--weights", "1e-3,nan"], "finite and >= 0, got '1e-3,nan'"),
        (["demo", "--weights", ""], "expected comma-separated floats, got ''"),
        (["demo", "--random-state", "-1"], "expected an integer in [0, 4294967295]"),
        (["reproduce", "--threads", "0"], "expected an integer in [1, 4096], got '0'"),
        (["reproduce", "--output-dir", __file__], "exists and is not a directory"),
        (
            ["reproduce", "--threads", "99999999999999999999"],
            "expected an integer in [1, 4096], got '99999999999999999999'",
        ),
        # Checked before any model is fitted: a directory that cannot be made.
        (
            ["reproduce", "--output-dir", f"{__file__}/results"],
            "cannot write result files to",
        ),
        (["reproduce", "--output-dir", "x" * 300], "(File name too long)"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(argv)
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert f"sk-sparse-ae {argv[0]}: error: " in err
    assert message in err


def test_native_stderr_is_replayed_only_on_request(capfd):
    with _quiet_startup._native_stderr_captured():
        os.write(2, b"dropped\n")
    with _quiet_startup._native_stderr_captured() as capture:
        os.write(2, b"replayed\n")
        capture.replay = True
    assert capfd.readouterr().err == "replayed\n"


def test_quiet_startup_and_diverging_fits_print_nothing():
    """TensorFlow's start-up lines, Keras's "Invalid loss" line and TensorFlow's
    retracing warnings (after fits of new models that diverged early) stay off."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = _run_python(
        """
        from sk_sparse_ae._tf.quiet_import import import_tensorflow_quietly
        import_tensorflow_quietly()
        import numpy as np
        from sk_sparse_ae import SparseAutoencoderTransformer
        rng = np.random.default_rng(0)
        diverged = 0
        for width in range(4, 11):  # a new model (and train function) per fit
            sae = SparseAutoencoderTransformer(
                n_components=4, hidden_layer_sizes=(8,), loss="squared_error",
                learning_rate=1e3, epochs=2, random_state=0,
            )
            try:
                sae.fit(rng.normal(size=(200, width)))
            except FloatingPointError:
                diverged += 1
        print("diverged", diverged)
        """,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "diverged 7\n"
    assert done.stderr == ""


def test_digits_demo_compares_raw_pixels_kl_and_topk(capsys):
    """The demo's table has the raw-pixels baseline, each KL weight and the
    TopK features model; the baseline's score is an independent CV's."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    argv = ["demo", "--epochs", "1", "--cv", "2", "--weights", "0,0.01"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    table = out[out.index("accuracy (CV)") :].splitlines()
    names = [line.strip().split("  ")[0] for line in table[2:-2] if line.strip()]
    assert names == [
        "raw pixels",
        "KL, weight 0",
        "KL, weight 0.01",
        "TopK, 2000 units",
    ]
    X_train, _, y_train, _ = cli._digits_split()
    raw = cross_val_score(
        make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=2000)),
        X_train,
        y_train,
        cv=2,
    )
    raw_row = next(line for line in table if line.strip().startswith("raw pixels"))
    assert f"{np.mean(raw):.4f} ± {np.std(raw):.3f}" in raw_row
    assert "Best: " in out and "test accuracy" in out
