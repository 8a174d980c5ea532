"""Pure comparisons: models and facts in, findings out.

Nothing in this package reads a file, looks at the running interpreter or the clock: the readers
(:mod:`hatch_importspy.verify.installed`, :mod:`hatch_importspy.formats.wheel`,
:mod:`hatch_importspy.facts`) gather the data, these functions judge it, and
:mod:`hatch_importspy.verify.verifier` wires the two together.  That keeps every rule testable with
hand-built inputs.
"""
