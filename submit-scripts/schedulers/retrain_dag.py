"""Airflow DAG: retrain the MNIST model daily and branch on what retrain decided.

retrain's exit codes: 0 promoted (or unchanged inputs), 7 kept by the quality gate, 8 registry busy (another run
holds the lock), others failed (2 configuration, 3 data, 4 diverged, 5 output, 6 native kernels).
The task runs submit-scripts/submit.sh, which calls spark-submit with the settings sparktrain needs; Airflow's
SparkSubmitOperator can run the same jar directly (class io.sparktrain.cli.Main, arguments "retrain ...").
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import BranchPythonOperator
from airflow.operators.empty import EmptyOperator

SPARKTRAIN_HOME = "/opt/sparktrain"
REGISTRY = "hdfs://namenode:8020/models/mnist-cnn"
DATA = "hdfs://namenode:8020/data/mnist/{{ ds_nodash }}"

with DAG(
    dag_id="sparktrain_retrain_mnist",
    schedule="15 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
) as dag:
    # Exit 7 (kept by the gate) is not a failure: record it and branch; 8 (busy) fails and is retried.
    retrain = BashOperator(
        task_id="retrain",
        bash_command=(
            f"cd {SPARKTRAIN_HOME} && submit-scripts/submit.sh retrain conf/mnist-cnn.conf "
            f"--master spark://spark-master:7077 --registry {REGISTRY} --set data.dir={DATA}; "
            "rc=$?; echo $rc > /tmp/sparktrain-retrain-{{ ds_nodash }}.rc; [ $rc -eq 0 ] || [ $rc -eq 7 ]"
        ),
    )

    def decide(ds_nodash, **_):
        with open(f"/tmp/sparktrain-retrain-{ds_nodash}.rc") as f:
            return "kept_by_gate" if f.read().strip() == "7" else "promoted_or_unchanged"

    branch = BranchPythonOperator(task_id="branch_on_exit_code", python_callable=decide)
    promoted = BashOperator(
        task_id="promoted_or_unchanged",
        bash_command=f"cd {SPARKTRAIN_HOME} && submit-scripts/sparktrain.sh registry {REGISTRY} list",
    )
    kept = EmptyOperator(task_id="kept_by_gate")

    retrain >> branch >> [promoted, kept]
