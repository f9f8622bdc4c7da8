"""Name registries: resolve identifiers (``"relu"``, ``{"class_name": ..., "config": ...}``, objects).

One mechanism serves activations, initializers, regularizers, losses, metrics, optimizers,
schedules and layers. Resolution never imports or evaluates anything named by the caller:
only classes and functions registered here can be produced, which is what makes loading a
saved configuration safe.
"""

from __future__ import annotations

import re
from typing import Any, Callable


def snake_case(name: str) -> str:
    """``"GlorotUniform"`` -> ``"glorot_uniform"``; ``"SimpleRNN"`` -> ``"simple_rnn"``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


class Configurable:
    """An object rebuilt from its constructor arguments: ``from_config(get_config())``.

    Subclasses return their arguments from ``get_config``; the repr shows them too.
    """

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Registry:
    """A table of named constructors of one kind (e.g. ``"activation"``)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, Any] = {}

    def register(self, *names: str) -> Callable:
        """Decorator: register a class or function under its own name, its snake_case and ``names``."""

        def deco(obj):
            own = obj.__name__
            for key in {own, snake_case(own), *names}:
                self._items[key] = obj
            return obj

        return deco

    def names(self) -> list[str]:
        """The valid string identifiers, sorted (lower-case spellings only)."""
        return sorted(k for k in self._items if k == k.lower())

    def lookup(self, name: str, argname: str):
        obj = self._items.get(name)
        if obj is None:
            obj = self._items.get(snake_case(name))
        if obj is None:
            raise ValueError(
                f"Unknown {self.kind} {name!r} for `{argname}`. "
                f"Valid names: {', '.join(self.names())}."
            )
        return obj

    def get(self, identifier, argname: str, instantiate: bool = True):
        """Resolve ``identifier`` for the argument ``argname``.

        A string names a registered entry (classes are instantiated with defaults when
        ``instantiate``); a dict ``{"class_name", "config"}`` builds the registered class
        from its config; any other callable or object is returned unchanged.
        """
        if isinstance(identifier, str):
            obj = self.lookup(identifier, argname)
            return obj() if instantiate and isinstance(obj, type) else obj
        if isinstance(identifier, dict):
            if "class_name" not in identifier:
                raise ValueError(
                    f"`{argname}`: a {self.kind} given as a dict needs a 'class_name' key, "
                    f"got keys {sorted(identifier)}."
                )
            cls = self.lookup(identifier["class_name"], argname)
            config = identifier.get("config") or {}
            if not isinstance(config, dict):
                raise ValueError(f"`{argname}`: 'config' must be a dict, got {type(config).__name__}.")
            if isinstance(cls, type):
                from_config = getattr(cls, "from_config", None)
                try:
                    return from_config(config) if from_config else cls(**config)
                except TypeError as e:
                    raise ValueError(f"`{argname}`: bad config for {self.kind} "
                                     f"{identifier['class_name']!r}: {e}") from None
            return cls
        if callable(identifier) or identifier is not None:
            return identifier
        raise TypeError(f"`{argname}` must be a {self.kind} name, config dict or object, got None.")

    def get_instance(self, identifier, argname: str, base: type, what: str):
        """:meth:`get`, then check the result is a ``base`` (a class of ``base`` is instantiated).

        ``what`` describes the accepted objects in the error, e.g. ``"Loss"``.
        """
        if isinstance(identifier, type) and issubclass(identifier, base):
            return identifier()
        obj = None if identifier is None else self.get(identifier, argname)
        if not isinstance(obj, base):
            raise TypeError(
                f"`{argname}` must be a {self.kind} name ({', '.join(self.names())}), config dict "
                f"or {what}, got {type(identifier).__name__} {identifier!r}."
            )
        return obj

    def serialize(self, obj) -> Any:
        """Inverse of :meth:`get`: a name for registered functions, ``{"class_name", "config"}`` for objects."""
        if obj is None:
            return None
        if isinstance(obj, type) or callable(obj) and not hasattr(obj, "get_config"):
            name = getattr(obj, "__name__", None)
            if name is None or self._items.get(name) is not obj:
                raise ValueError(f"Cannot serialize unregistered {self.kind} {obj!r}.")
            return name
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
