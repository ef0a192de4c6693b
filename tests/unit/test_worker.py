"""The worker's scheduler, driven by a fake clock."""

import threading

from portal.worker import PeriodicJob, Worker


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_jobs_run_when_due_and_wait_for_their_interval():
    clock, calls = FakeClock(), []
    worker = Worker([PeriodicJob("a", 10, lambda: calls.append("a")),
                     PeriodicJob("b", 30, lambda: calls.append("b"))], clock=clock)
    assert worker.run_due() == ["a", "b"]
    clock.now += 10
    assert worker.run_due() == ["a"]
    assert worker.seconds_until_next() == 10
    clock.now += 20
    assert worker.run_due() == ["a", "b"]
    assert calls == ["a", "b", "a", "a", "b"]


def test_a_failing_job_does_not_stop_the_others():
    def broken():
        raise RuntimeError("SMTP down")

    clock, calls = FakeClock(), []
    worker = Worker([PeriodicJob("broken", 5, broken),
                     PeriodicJob("ok", 5, lambda: calls.append("ok"))], clock=clock)
    assert worker.run_due() == ["broken", "ok"]
    assert calls == ["ok"]


def test_stop_event_ends_the_loop_between_jobs():
    stop = threading.Event()
    calls = []

    def job():
        calls.append(1)
        stop.set()  # as SIGTERM would, during a job

    worker = Worker([PeriodicJob("once", 0.01, job), PeriodicJob("never", 0.01, calls.append)],
                    stop=stop)
    thread = threading.Thread(target=worker.run_forever)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert calls == [1]
