"""Presenter mode: a trace or a lesson on a projector, one step per key press.

``views`` serves the presenter page (``…/present/?step=N``, its stage alone for
``HX-Request``), the speaker window (``…/present/speaker/``) and, for a trace, the share
link a class follows on phones; ``slides`` turns a lesson into its steps. The pages'
behaviour (keys, full screen, blanking, the QR overlay, the speaker window's sync) is in
``static/js/present.js``; without it every step is a plain link.
"""
