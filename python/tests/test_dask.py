"""A sharded sweep on a Dask cluster of worker processes equals the single-process sweep."""

import faulthandler
import os

import distributed
import pandas as pd

import carbonsim


def test_dask_local_cluster_sweep_equals_single_process(small):
    # Time-boxed: a hung cluster ends the test run with a traceback rather than stalling CI.
    faulthandler.dump_traceback_later(300, exit=True)
    try:
        grid = {"fleet.compliance_firms": [150, 250]}
        expected = carbonsim.sweep(small, grid, seeds=range(1, 5))
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster, distributed.Client(cluster) as client:
            got = carbonsim.sweep(small, grid, seeds=range(1, 5), executor=client, shards=2, threads=1)
            pids = client.run(os.getpid)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    pd.testing.assert_frame_equal(got, expected)
