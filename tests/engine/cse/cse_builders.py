"""Small builders shared by the client-side encryption tests."""

from __future__ import annotations


class ScriptedEntropy:
    """Hands out exactly the given byte strings, in order, so tests can pin every draw."""

    def __init__(self, *draws: bytes) -> None:
        self._draws = list(draws)

    def random_bytes(self, n: int) -> bytes:
        assert self._draws, "the code drew more random bytes than the test scripted"
        draw = self._draws.pop(0)
        assert len(draw) == n, f"expected a draw of {len(draw)} bytes, the code asked for {n}"
        return draw

    def exhausted(self) -> bool:
        return not self._draws
