"""Trame as an Apache Airflow DAG (Airflow 2.x).

One backfill task per source, then one link run, then one extract per approved project.
Each task runs the `trame` launcher, or `spark-submit` when TRAME_SUBMIT is set, e.g.

    TRAME_SUBMIT="spark-submit --master spark://master:7077 --class org.trame.jobs.cli.Main \
        /opt/trame/trame.jar"

Trame's exit codes decide what Airflow does: 1 (I/O or Spark failure) and 4 (another run holds
the batch or the warehouse) are retried; 2 (configuration, changed files), 3 (data over a
quarantine threshold) and 5 (disclosure check failed) fail the task at once, since a retry would
fail the same way and a person must look. Every task is idempotent, so clearing and rerunning a
task or the whole DAG is safe.
"""

import os
import shlex
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.operators.python import PythonOperator

TRAME = os.environ.get("TRAME_SUBMIT", "/opt/trame/trame")
CONF = os.environ.get("TRAME_CONF", "/etc/trame")
SOURCES = ["dcir", "pmsi_mco", "hospital_eds"]
PROJECTS = ["diabetes_care"]
RETRYABLE = {1, 4}


def trame(*args):
    """Runs one trame command; raises so that Airflow retries only what a retry can fix."""
    command = shlex.split(TRAME) + ["--conf", CONF, *args]
    completed = subprocess.run(command, check=False)
    if completed.returncode == 0:
        return
    message = f"{' '.join(args)} exited with code {completed.returncode}"
    if completed.returncode in RETRYABLE:
        raise AirflowException(message + " (will retry)")
    raise AirflowFailException(message + " (not retried: see the log and `trame status`)")


with DAG(
    dag_id="trame_nightly",
    start_date=datetime(2026, 1, 1),
    schedule="15 1 * * *",
    catchup=False,
    max_active_runs=1,  # one writer per batch, which S3-compatible stores need
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["trame"],
) as dag:
    backfills = [
        PythonOperator(
            task_id=f"backfill_{source}",
            python_callable=trame,
            op_args=["backfill", "--source", source],
        )
        for source in SOURCES
    ]
    link = PythonOperator(task_id="link", python_callable=trame, op_args=["link"])
    extracts = [
        PythonOperator(
            task_id=f"extract_{project}",
            python_callable=trame,
            op_args=["extract", "--project", project],
        )
        for project in PROJECTS
    ]
    backfills >> link >> extracts
