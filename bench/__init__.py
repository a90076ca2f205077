"""`make bench`: the same workloads, through the same client code, against several back ends.

Back ends (`bench.backends`):

* ``execwire``  our server (``execwire-server``), driven by our SDK (`execwire.Executor`);
* ``reference`` ``codex exec-server`` 0.169.0, driven by the same SDK code;
* ``relay``     our server through the rendezvous with Noise, the SDK's `RelayConnector`
  (`bench.backends.execserver.RelayBackend`);
* ``asyncssh``  asyncssh against a throwaway local OpenSSH server (`bench.sshd`);
* ``local``     the floor: `asyncio.create_subprocess_exec`, and a loopback websocket echo.

Workload groups (`bench.workloads`): ``exec``, ``streaming``, ``files``, ``concurrency``,
``fanout``, ``wsecho``. Each (group, back end) pair gets a fresh server. Results are
printed as a table, and written to ``bench/results/latest.{json,md,png}`` (`bench.report`);
the targets of the benchmark issue are checked in `bench.metrics`.

Run ``python -m bench --help`` (or ``make bench BENCH_ARGS="--only exec"``).
"""
