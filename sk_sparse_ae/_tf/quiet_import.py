"""Import TensorFlow without its start-up log lines: for the command line only.

TensorFlow's C++ start-up writes "All log messages before absl::InitializeLog()
is called are written to STDERR" and "oneDNN custom operations are on" straight
to file descriptor 2 while it is imported, before it reads
``TF_CPP_MIN_LOG_LEVEL``, so that variable cannot silence them (TensorFlow
2.21). The command line, which owns its process, silences them itself; the
library never touches the environment or the standard streams.
"""

import contextlib
import importlib
import os
import sys
import tempfile

__all__ = ["import_tensorflow_quietly", "quiet_tensorflow_wanted"]

_LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"


def quiet_tensorflow_wanted():
    """Whether to silence TensorFlow: the user has not set its log level."""
    return _LOG_LEVEL_VARIABLE not in os.environ


def import_tensorflow_quietly():
    """Import TensorFlow with its start-up lines to fd 2 discarded.

    Also sets ``TF_CPP_MIN_LOG_LEVEL=3`` for this process and the processes
    it starts, for TensorFlow's later C++ log lines: level 2 still prints
    errors that are no error for us, such as "failed call to cuInit" from
    the GPU-capable ``tensorflow`` package on every machine without a GPU.
    Failures that matter still reach the user as Python exceptions. Does nothing
    if TensorFlow is already imported. If the import fails, what TensorFlow
    wrote is passed on to stderr before the error. Used as a worker
    initializer too (``demo --n-jobs``), so it takes no arguments.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault(_LOG_LEVEL_VARIABLE, "3")
    with _native_stderr_captured() as captured:
        try:
            importlib.import_module("tensorflow")
        except BaseException:
            captured.replay = True
            raise


class _Capture:
    replay = False


@contextlib.contextmanager
def _native_stderr_captured():
    """Point fd 2 at a temporary file; write the file out on ``replay``."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    capture = _Capture()
    with tempfile.TemporaryFile() as file:
        os.dup2(file.fileno(), 2)
        try:
            yield capture
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            if capture.replay:
                file.seek(0)
                sys.stderr.write(file.read().decode(errors="replace"))
                sys.stderr.flush()
