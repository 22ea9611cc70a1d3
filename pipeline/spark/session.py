"""The Spark session eligex runs in, and the per-worker pipeline.

``local[N]`` starts Spark in this process's own JVM, bound to the loopback address only (driver
host and bind address ``127.0.0.1``, ``SPARK_LOCAL_IP=127.0.0.1``), without the web UI, with the
Python workers run by this interpreter (``PYSPARK_PYTHON``), so they import the same installed
eligex. Any other master (``spark://...``, ``yarn``, ``k8s://...``) is handed to Spark as it is:
the cluster's own network and Python settings apply, and eligex must be installed on its workers.

Workers build the pipeline themselves from the installed package (``spacy.load`` of the model
folder, named by a string), once per Python worker process (Spark reuses its workers), never
unpickled from the driver.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

DEFAULT_MASTER = "local[2]"
#: the oldest Java that Spark 4 runs on
MIN_JAVA = 17
LOOPBACK = "127.0.0.1"
#: the driver JVM's logging: errors only (log4j2.properties beside this module)
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
#: settings of every session eligex starts (on a cluster too)
BASE_CONF = {
    "spark.ui.showConsoleProgress": "false",
    "spark.python.worker.reuse": "true",
    "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
}
#: settings of a local session: loopback only, no web UI
LOCAL_CONF = {
    "spark.driver.host": LOOPBACK,
    "spark.driver.bindAddress": LOOPBACK,
    "spark.ui.enabled": "false",
}


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing: the message says what to install."""


class SparkJobFailed(RuntimeError):
    """A Spark job failed as a whole (a worker could not load the pipeline, an executor was lost):
    what was written before it stands, and ``--resume`` continues."""


def java_command() -> Optional[str]:
    """The ``java`` Spark will run: ``$JAVA_HOME/bin/java``, else ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def require_spark(model: Optional[Path] = None) -> None:
    """Raise :class:`SparkUnavailable` unless pyspark imports, a Java runtime is found and the model
    folder the workers will load (:func:`model_path`) is built."""
    require_runtime()
    try:
        model_path(model)
    except FileNotFoundError as exc:
        raise SparkUnavailable(str(exc)) from exc


def require_runtime() -> None:
    """Raise :class:`SparkUnavailable` unless pyspark imports and a Java runtime is found."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable("the Spark engine needs pyspark: install the extra with `make spark` "
                               "(or `pip install -r requirements-spark.lock`)") from exc
    java = java_command()
    if java is None:
        raise SparkUnavailable("the Spark engine needs Java 17 or later, and no `java` was found (not on the "
                               "PATH, JAVA_HOME unset): `make spark` installs openjdk-17-jre-headless, or set "
                               "JAVA_HOME")
    version = java_major(java)
    if version is not None and version < MIN_JAVA:
        raise SparkUnavailable(f"the Spark engine needs Java {MIN_JAVA} or later; {java} is Java {version} "
                               "(set JAVA_HOME to a newer one)")


def java_major(java: str) -> Optional[int]:
    """The major version of a ``java`` command (``17`` for ``17.0.15``, ``8`` for ``1.8.0``), or
    ``None`` when ``java -version`` does not say."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def session_conf(master: str) -> Dict[str, str]:
    """The settings eligex gives a session for ``master``."""
    conf = dict(BASE_CONF)
    if is_local(master):
        conf.update(LOCAL_CONF)
    return conf


@contextmanager
def spark_session(master: str = DEFAULT_MASTER, app_name: str = "eligex") -> Iterator[object]:
    """The active SparkSession if there is one (a notebook's, a test's), else a new one for
    ``master``, stopped at the end (only when started here)."""
    require_runtime()
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:  # someone else's session: use it, leave it running
        yield SparkSession.builder.getOrCreate()
        return
    if is_local(master):
        os.environ["SPARK_LOCAL_IP"] = LOOPBACK
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in session_conf(master).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


_EXTRACTORS: Dict[Tuple[str, int], object] = {}


def model_path(model: Optional[Path] = None) -> str:
    """The model folder as an absolute path string, for the workers to load (``models/eligex``
    or ``$ELIGEX_MODEL`` by default); it must exist (``eligex build`` makes it)."""
    from pipeline.core.paths import default_model_dir

    path = Path(model) if model else default_model_dir()
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(f"{path}: no built pipeline here (run `eligex build -o {path}`); Spark workers "
                                "load the pipeline from a model folder")
    return str(path.resolve())


def worker_extractor(model: str, batch_size: int):
    """This worker process's Extractor for the model folder ``model`` (loaded on first use)."""
    key = (model, batch_size)
    if key not in _EXTRACTORS:
        from pipeline.components.nlp import load
        from pipeline.extraction.records import Extractor

        _EXTRACTORS[key] = Extractor(load(Path(model)), batch_size=batch_size)
    return _EXTRACTORS[key]
