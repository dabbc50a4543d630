"""Given Labs 2.4 and 2.5 with a student's parameters, when their Testing steps are made, then each
step runs the lab text's command in the student's namespace, waits as long as the lab may take to
start, and judges an answer as the lab text shows it, naming what it got when it is wrong.

Lab 2.4's Testing step is `CONFIG GET maxmemory` (2097152 for `maxmemory 2mb`) and `CONFIG GET
maxmemory-policy` in redis-cli; Lab 2.5 connects a MySQL client through the headless Service.
"""

from __future__ import annotations

import pytest

from labs.lab import Check
from labs.mysql import MysqlWithSecretArgs, create_secret_commands
from labs.mysql import checks as mysql_checks
from labs.mysql import first_look as mysql_first_look
from labs.mysql import sheet_section as mysql_sheet
from labs.redis import RedisSettings, RedisWithConfigMapArgs
from labs.redis import checks as redis_checks
from labs.redis import first_look as redis_first_look
from labs.redis import sheet_section as redis_sheet
from labs.redis import warnings as redis_warnings

# Scheduling, the image pull and the container start, before the lab's own timing.
START_SLACK = 120
# MySQL's startup probe allows 30 failures 5 s apart while it initialises its data directory.
MYSQL_START = 30 * 5


def without_verdict(check: Check) -> tuple[str, str, tuple[str, ...], str, float]:
    return check.lab, check.name, check.argv, check.expected, check.wait_seconds


def test_redis_asks_config_get_for_each_setting_in_the_students_namespace() -> None:
    args = RedisWithConfigMapArgs(
        namespace="lab-ada", name="cache", container_name="server", port=6380, config=RedisSettings(maxmemory="3mb")
    )
    exec_ = ("kubectl", "exec", "cache", "-n", "lab-ada", "-c", "server", "--", "redis-cli", "-p", "6380")
    assert [without_verdict(check) for check in redis_checks(args)] == [
        (
            "redisWithConfigMap",
            "CONFIG GET maxmemory",
            (*exec_, "CONFIG", "GET", "maxmemory"),
            "maxmemory\n3145728",
            START_SLACK,
        ),
        (
            "redisWithConfigMap",
            "CONFIG GET maxmemory-policy",
            (*exec_, "CONFIG", "GET", "maxmemory-policy"),
            "maxmemory-policy\nallkeys-lru",
            START_SLACK,
        ),
    ]


@pytest.mark.parametrize(
    ("output", "maxmemory", "policy"),
    [
        ("maxmemory\n2097152\n", None, "expected maxmemory-policy allkeys-lru, got maxmemory 2097152"),
        (
            "  maxmemory-policy\r\n\n allkeys-lru  \n",
            "expected maxmemory 2097152, got maxmemory-policy allkeys-lru",
            None,
        ),
        (
            "maxmemory\n0\n",
            "expected maxmemory 2097152, got maxmemory 0",
            "expected maxmemory-policy allkeys-lru, got maxmemory 0",
        ),
        ("", "expected maxmemory 2097152, got nothing", "expected maxmemory-policy allkeys-lru, got nothing"),
        (
            "maxmemory\n2097152\nextra\n",
            "expected maxmemory 2097152, got maxmemory 2097152 extra",
            "expected maxmemory-policy allkeys-lru, got maxmemory 2097152 extra",
        ),
    ],
)
def test_redis_judges_each_answer_by_its_own_setting(output: str, maxmemory: str | None, policy: str | None) -> None:
    first, second = redis_checks(RedisWithConfigMapArgs())
    assert (first.verdict(output), second.verdict(output)) == (maxmemory, policy)


def test_mysql_connects_a_client_through_the_service_and_waits_out_the_first_start() -> None:
    args = MysqlWithSecretArgs(namespace="lab-ada", name="db", port=3307)
    client = 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -h db -P 3307 -uroot --batch --skip-column-names -e "SELECT 1"'
    assert [without_verdict(check) for check in mysql_checks(args)] == [
        (
            "mysqlWithSecret",
            "client connects through the Service",
            ("kubectl", "exec", "deploy/db", "-n", "lab-ada", "-c", "mysql", "--", "sh", "-c", client),
            "1",
            MYSQL_START + START_SLACK,
        )
    ]


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        ("1\n", None),
        ("mysql: [Warning] Using a password on the command line interface can be insecure.\n1\n", None),
        (
            "ERROR 2005 (HY000): Unknown MySQL server host 'mysql' (-2)\n",
            "the client did not connect (ERROR 2005 (HY000): Unknown MySQL server host 'mysql' (-2))",
        ),
        ("", "the client did not connect (no output)"),
        ("1\n0\n", "the client did not connect (0)"),
    ],
)
def test_mysql_passes_only_when_the_last_line_is_the_selected_1(output: str, verdict: str | None) -> None:
    (check,) = mysql_checks(MysqlWithSecretArgs())
    assert check.verdict(output) == verdict


def test_the_first_look_describes_the_object_the_student_created() -> None:
    assert mysql_first_look(MysqlWithSecretArgs(secret_name="db-root", namespace="lab-ada")) == [
        "kubectl describe secret db-root -n lab-ada"
    ]
    assert redis_first_look(RedisWithConfigMapArgs(config_map_name="conf")) == ["kubectl describe configmap conf"]


def test_the_secret_is_made_from_a_password_typed_at_a_prompt_and_read_from_stdin() -> None:
    assert create_secret_commands(MysqlWithSecretArgs(secret_name="db-root", namespace="lab-ada")) == [
        "read -rs MYSQL_ROOT_PASSWORD   # bash: type the password; it is not shown",
        'printf %s "$MYSQL_ROOT_PASSWORD" | '
        "kubectl create secret generic db-root -n lab-ada --from-file=password=/dev/stdin",
    ]


def test_maxmemory_0_warns_that_redis_will_never_evict_and_a_size_does_not() -> None:
    assert redis_warnings(RedisWithConfigMapArgs(name="cache", config=RedisSettings(maxmemory="0"))) == [
        "cache: maxmemory 0 sets no limit: Redis never evicts, and the kernel kills it when it reaches its "
        "memoryLimit 64Mi; give maxmemory a size if the lab should show eviction"
    ]
    assert redis_warnings(RedisWithConfigMapArgs(config=RedisSettings(maxmemory="1"))) == []


def test_the_mysql_sheet_names_the_students_objects_and_keeps_the_password_in_the_pod() -> None:
    args = MysqlWithSecretArgs(namespace="lab-ada", name="db", secret_name="db-root", port=3307)
    client = 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -h db -P 3307 -uroot --batch --skip-column-names -e "SELECT 1"'
    assert mysql_sheet(args) == [
        "Secret `db-root` holds the root password under `password`; Deployment `db` reads it into "
        "`MYSQL_ROOT_PASSWORD`; the headless Service `db` resolves to the pod.",
        "",
        "```console",
        "kubectl describe secret db-root -n lab-ada",
        "```",
        "",
        "Expected: `password:` followed by the length in bytes, never the value.",
        "",
        "Wait until `kubectl get deployment db -n lab-ada` shows `1/1` READY: the first start initialises the "
        f"data directory, which takes up to {MYSQL_START} s (the startup probe's allowance); the client steps "
        "below fail before that.",
        "",
        "Connect through the Service. The password stays in the pod: the single quotes hand "
        "`$MYSQL_ROOT_PASSWORD` to the pod's shell unexpanded, so it never appears on your command line.",
        "",
        "```console",
        "kubectl exec -it deploy/db -n lab-ada -c mysql -- sh -c "
        "'export MYSQL_PWD=\"$MYSQL_ROOT_PASSWORD\"; exec mysql -h db -P 3307 -uroot'",
        "```",
        "",
        "Expected: the `mysql>` prompt (`exit` leaves).",
        "",
        f"The same check without a prompt (it runs `{client}` in the pod):",
        "",
    ]


def test_the_redis_sheet_shows_the_redis_conf_and_what_its_size_is_in_bytes() -> None:
    args = RedisWithConfigMapArgs(
        name="cache", config_map_name="conf", config=RedisSettings(maxmemory="3mb", maxmemory_policy="allkeys-lfu")
    )
    assert redis_sheet(args) == [
        "ConfigMap `conf` holds this `redis.conf`; pod `cache` reads it at start (`maxmemory 3mb` is 3145728 "
        "bytes: k/m/g count in 1000s, kb/mb/gb in 1024s).",
        "",
        "```text",
        "maxmemory 3mb\nmaxmemory-policy allkeys-lfu",
        "```",
        "",
        "```console",
        "kubectl describe configmap conf",
        "```",
        "",
        'Without a terminal `redis-cli` prints bare values; with `-it` it numbers them (`1) "maxmemory"`).',
        "",
    ]
