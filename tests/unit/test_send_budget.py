"""The api's send budget: a slow SNS or SES delays an order's answer by a bounded time."""

from shop.notify import SendBudget, backoff


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_sends_start_only_while_their_worst_case_fits_the_budget():
    clock = Clock()
    budget = SendBudget(seconds=5.0, worst_case_s=2.5, clock=clock)
    deadline = budget.deadline(remaining_s=14.0)
    assert deadline == 105.0 and budget.fits(deadline)
    clock.now += 2.6  # a first send took its whole worst case
    assert not budget.fits(deadline)


def test_little_time_left_in_the_invocation_means_no_send_at_all():
    budget = SendBudget(seconds=5.0, worst_case_s=2.5, clock=Clock())
    assert budget.deadline(remaining_s=2.0) is None
    assert budget.deadline(remaining_s=3.0) == 103.0  # the invocation's time shrinks the budget


def test_a_timed_out_send_leaves_the_next_orders_to_the_relay_for_a_while():
    clock = Clock()
    budget = SendBudget(seconds=5.0, worst_case_s=2.5, pause_s=30.0, clock=clock)
    deadline = budget.deadline(remaining_s=None)
    budget.timed_out()
    assert not budget.fits(deadline)  # not even the same order's next send
    assert budget.deadline(remaining_s=None) is None
    clock.now += 30.0
    assert budget.deadline(remaining_s=None) == 135.0


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]
