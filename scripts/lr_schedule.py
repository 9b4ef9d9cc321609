"""The learning-rate schedules of `certify train --lr-schedule` (Sources/Train/Optimizers/LearningRateSchedule.swift),
for the JAX references: the rate of the step taken after `taken` steps of a run of `epochs` epochs of
`steps_per_epoch` steps from `base`."""
import math


def add_argument(parser):
    parser.add_argument("--lr-schedule", default="constant", help="constant, cosine or step:E1,E2,...")


def rate(schedule, base, taken, steps_per_epoch, epochs):
    if schedule == "constant":
        return base
    if schedule == "cosine":  # per step, to 0 at the end (optax.cosine_decay_schedule)
        total = max(1, steps_per_epoch * epochs)
        return base * 0.5 * (1 + math.cos(math.pi * (min(taken, total) / total)))
    if schedule.startswith("step:"):  # divided by 10 after each listed epoch (MultiStepLR)
        epoch = taken // max(1, steps_per_epoch) + 1
        return base * 0.1 ** sum(1 for m in schedule[5:].split(",") if int(m) < epoch)
    raise SystemExit(f"unknown --lr-schedule {schedule}")
