"""The course as data: lessons in both languages, each with a Try it that the engine judges.

Pure Python on the engine's public modules and ``simulator.quiz``; no Django.
"""

from .loader import course, lesson, neighbours
from .model import DIAGRAMS, Choice, Lesson, LessonError, Prediction, TryIt
from .tryit import TryItResult, judge, run_try_it

__all__ = [
    "DIAGRAMS",
    "Choice",
    "Lesson",
    "LessonError",
    "Prediction",
    "TryIt",
    "TryItResult",
    "course",
    "judge",
    "lesson",
    "neighbours",
    "run_try_it",
]
