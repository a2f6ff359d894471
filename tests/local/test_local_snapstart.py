"""SnapStart, emulated by the local stack: environments forked from one primed process.

The template runs the before-snapshot hooks once; every new environment is
a fork that runs the after-restore hooks (local/restore.py). What the
shop's own hooks must guarantee after a restore — config and secret
re-read, a container id and random state of its own — is checked on the
real api of the local stack, whose dev tfvars switch SnapStart on.
"""

import threading

from localkit import FIXTURES, ROOT

from local.workers import FunctionSpec, Pool


def snap_pool(size: int = 3) -> Pool:
    spec = FunctionSpec(
        name="snap-fn",
        handler="snap_handler.handler",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:snap-fn",
        timeout=10.0,
        python_path=(str(FIXTURES), str(ROOT)),
        snap_start=True,
    )
    return Pool(spec, max_workers=size, cwd=ROOT, log=lambda line: None)


def test_environments_are_forks_of_one_primed_process_that_ran_the_restore_hooks():
    pool = snap_pool()
    try:
        # WHEN three invocations overlap (three environments)
        answers = [None] * 3

        def call(i):
            answers[i] = pool.invoke({"sleep": 0.3}, request_id=f"r{i}", qualifier="dev")

        threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results = [a.result for a in answers]
        # THEN each ran in its own process, all primed once by the same template,
        # each restored exactly once, with tokens and random states of its own
        assert all(a.error is None for a in answers), [a.error for a in answers]
        assert len({r["pid"] for r in results}) == 3
        assert len({r["primed_in"] for r in results}) == 1
        assert {r["primed_in"] for r in results}.isdisjoint({r["pid"] for r in results})
        assert [r["restores"] for r in results] == [1, 1, 1]
        assert [r["init_type"] for r in results] == ["snap-start"] * 3
        assert len({r["token"] for r in results}) == 3
        assert len({r["random"] for r in results}) == 3
        assert all(w["restored"] for w in pool.stats()["workers"])
    finally:
        pool.close()


def test_the_shops_api_restored_twice_reads_config_and_secret_and_shares_no_id(local_stack):
    # GIVEN the stack's api, SnapStart on in its tfvars, and no environment left
    # from seeding (one of those, configured already, could take the reads below)
    pool = local_stack.pools["shop-dev-api"]
    assert pool.spec.snap_start
    pool.reclaim_idle()
    assert pool.stats()["workers"] == []
    answers = [None] * 2

    def ping(i):
        answers[i] = pool.invoke(
            {"warmer": {"hold_ms": 300, "prime": False}}, request_id=f"p{i}", qualifier="dev"
        )

    # WHEN two pings overlap (two restored environments)
    threads = [threading.Thread(target=ping, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {a.result["container_id"] for a in answers}
    # THEN their container ids differ, although both are copies of one process
    assert all(a.error is None for a in answers) and len(ids) == 2
    workers = pool.stats()["workers"]
    assert len(workers) == 2 and all(w["restored"] for w in workers)
    # AND a read through a restored environment re-reads config and secret through the extension
    before = local_stack.extension.requests
    health = pool.invoke(
        {
            "resource": "/v1/health",
            "path": "/v1/health",
            "httpMethod": "GET",
            "headers": {},
            "requestContext": {"requestId": "health-after-restore", "stage": "dev"},
        },
        request_id="h1",
        qualifier="dev",
    )
    assert health.error is None and health.result["statusCode"] == 200, health
    assert local_stack.extension.requests > before
