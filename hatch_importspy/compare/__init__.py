"""Pure comparisons: models and facts in, findings out.

Nothing in this package reads a file, looks at the running interpreter or the clock: the readers
(:mod:`hatch_importspy.installed`, :mod:`hatch_importspy.wheelfile`,
:mod:`hatch_importspy.environment`) gather the data, these functions judge it, and
:mod:`hatch_importspy.verify` wires the two together.  That keeps every rule testable with
hand-built inputs.
"""
