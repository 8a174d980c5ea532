"""Reporters: a :class:`~hatch_importspy.results.VerifyResult` in, a document out.

Reporters are pure functions of the result (and of ``--strict``, which decides what counts as a
failure); they never look at the environment themselves, so the same result always renders to
the same bytes.  Each format is a module of its own (:mod:`.text`, :mod:`.json`, :mod:`.junit`,
:mod:`.sarif`, :mod:`.github`), and this package imports none of them: a command loads only the
format it prints.
"""
