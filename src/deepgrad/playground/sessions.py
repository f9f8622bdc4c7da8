"""Runs and their pages: one live :class:`Session` per page, driven by the page's stream.

The page opens ``GET /api/network/stream?session=ID&<settings>``; the server thread that
answers it *is* the run's thread: it trains while the page says play (or step), writes each
epoch's losses (and, at most ``FRAME_HZ`` times a second, the heatmap) as server-sent events,
and writes a keep-alive comment every ``PING_S`` seconds while paused. When the page goes,
the next write fails and the loop ends, so a run never outlives its page and leaves no thread.
``POST /api/network/control?session=ID`` (play, pause, step, optimizer) only sets flags the
run's thread reads between epochs.
"""

from __future__ import annotations

import threading
import time

from . import params as _params
from .network import NetworkRun

__all__ = ["Session", "SessionError", "open_session", "control", "live_sessions", "MAX_SESSIONS"]

MAX_SESSIONS = 8
FRAME_HZ = 8.0
PING_S = 1.0

_LOCK = threading.Lock()
_SESSIONS: dict[str, "Session"] = {}


class SessionError(ValueError):
    """A request the current runs cannot take (HTTP 409): its message is shown on the page."""


class Session:
    """One page's run and the flags its controls set."""

    def __init__(self, sid: str, run: NetworkRun):
        self.id, self.run = sid, run
        self.cond = threading.Condition()
        self.playing = False
        self.steps = 0
        self.pending = None   # new settings (optimizer, schedule) to apply between epochs
        self.stopped = False
        self.busy = threading.Lock()  # held while the model changes (export waits for it)

    def loop(self, send) -> None:
        """Drive the run until the page goes or asks to stop. ``send(event, data)`` writes one
        server-sent event and raises ``OSError`` once the page has gone."""
        send("start", self.run.describe())
        send("frame", self.run.frame())
        last_frame = time.monotonic()
        while True:
            with self.cond:
                if not (self.playing or self.steps or self.pending or self.stopped):
                    self.cond.wait(PING_S)
                if self.stopped:
                    return
                change, self.pending = self.pending, None
                train = self.playing or self.steps > 0
                self.steps = max(0, self.steps - 1)
            if change is not None:
                with self.busy:
                    self.run.change(change)
                send("changed", {"epoch": self.run.epoch, "racers": [s["name"] for s in self.run.specs]})
            if not train:
                send(None, None)  # keep-alive: fails once the page has gone
                continue
            with self.busy:
                rows = self.run.train_epoch()
            limit = self.run.settings["epochs"]
            done = self.run.diverged() or (limit and self.run.epoch >= limit)
            if done:
                with self.cond:
                    self.playing, self.steps = False, 0
            send("epoch", {"epoch": self.run.epoch, "rows": rows})
            now = time.monotonic()
            if done or not self.playing or now - last_frame >= 1.0 / FRAME_HZ:
                with self.busy:
                    frame = self.run.frame()
                send("frame", frame)
                last_frame = now
            if self.run.diverged():
                send("notice", {"message": f"training diverged at epoch {self.run.epoch} (the loss "
                                           f"is not finite): lower the learning rate and reset"})
            elif done:
                send("paused", {"epoch": self.run.epoch})

    def command(self, action: str, params: dict) -> None:
        with self.cond:
            if action == "play":
                self.playing = True
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.steps += 1
            elif action == "stop":
                self.stopped = True
            elif action == "optimizer":
                merged = {**_settings_params(self.run.settings), **params}
                self.pending = _params.network_settings(merged)
            else:
                raise _params.SettingError(f"action must be play, pause, step, stop or optimizer, "
                                           f"got {action!r}")
            self.cond.notify_all()


def _settings_params(s: dict) -> dict:
    """The settings that the optimizer action does not change, back as URL pairs."""
    return {"dataset": s["dataset"], "classes": str(s["classes"]), "points": str(s["points"]),
            "train": str(s["train"]), "batch": str(s["batch"])}


def open_session(sid: str, params: dict) -> Session:
    """Check the settings, build the run and register it under ``sid``."""
    if not sid or len(sid) > 64 or not sid.replace("-", "").isalnum():
        raise _params.SettingError(f"session must be 1 to 64 letters, digits or '-', got {sid!r}")
    settings = _params.network_settings(params)
    with _LOCK:
        if sid in _SESSIONS:
            raise SessionError("this page already has a run going; stop it (reset) before starting another")
        if len(_SESSIONS) >= MAX_SESSIONS:
            raise SessionError(f"{MAX_SESSIONS} runs are going already; close another playground "
                               f"tab and try again")
        _SESSIONS[sid] = None  # reserved while the run is built
    try:
        session = Session(sid, NetworkRun(settings))
    except BaseException:
        with _LOCK:
            _SESSIONS.pop(sid, None)
        raise
    with _LOCK:
        _SESSIONS[sid] = session
    return session


def close_session(session: Session) -> None:
    with _LOCK:
        if _SESSIONS.get(session.id) is session:
            del _SESSIONS[session.id]


def find(sid: str) -> Session:
    with _LOCK:
        session = _SESSIONS.get(sid)
    if session is None:
        raise SessionError(f"no run is going for this page (session {sid!r}); press reset")
    return session


def control(sid: str, action: str, params: dict) -> None:
    find(sid).command(action, params)


def live_sessions() -> list[str]:
    with _LOCK:
        return [k for k, v in _SESSIONS.items() if v is not None]
