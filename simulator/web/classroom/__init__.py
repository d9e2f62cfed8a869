"""The class: a teacher's join code, students on phones, live answers, reveal, results.

``models`` keeps the rows, ``codes`` makes and checks join codes and teacher secrets,
``service`` is what the views call (start, join, ask, answer, reveal, end, tallies),
``limits`` counts join attempts, ``results`` tallies and exports a class.
"""
