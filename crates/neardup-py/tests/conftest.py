import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    # Python workers run this interpreter, the one neardup is installed in.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(os.environ.get("NEARDUP_SPARK_MASTER", "local[2]"))
        .appName("neardup-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def neardup_bin():
    """The CLI, built from the same repository."""
    path = ROOT / "target" / "release" / "neardup"
    if not path.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    return str(path)
