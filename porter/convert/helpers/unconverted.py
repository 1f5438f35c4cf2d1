"""A stand-in for Paddle names porter did not convert, so that one TODO never stops a module from importing."""

from __future__ import annotations


class Unconverted:
    """Bound where a Paddle import was (``paddle = Unconverted("paddle")``).

    Reading an attribute gives another stand-in (``paddle.foo``), so a module that only mentions an
    unconverted API still imports; calling, indexing, comparing or iterating it raises an error naming
    the API, at the statement that does it: the one carrying the ``# porter: TODO``. A class derived from
    it is defined, and raises when it is instantiated. Setting an attribute (a patch of Paddle) stays on
    the stand-in.
    """

    def __init__(self, path: str) -> None:
        self._path = path

    def __getattr__(self, name: str) -> Unconverted:
        # Dunder probes (copy, pickle, inspect, test collectors) get a plain AttributeError.
        if name == "_path" or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(_message(f"{self.__dict__.get('_path', 'paddle')}.{name}"))
        return Unconverted(f"{self._path}.{name}")

    def _fail(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError(_message(self._path))

    def __mro_entries__(self, bases: tuple) -> tuple:  # class M(paddle.nn.Foo): ... still defines M
        return (_base(self._path),)

    def __delattr__(self, name: str) -> None:  # delattr(paddle, "x") undoes a patch, if there was one
        self.__dict__.pop(name, None)

    __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = __contains__ = _fail
    __bool__ = __int__ = __float__ = __index__ = __enter__ = __exit__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __lt__ = __le__ = __gt__ = __ge__ = __neg__ = _fail
    __eq__ = __ne__ = __hash__ = __instancecheck__ = __subclasscheck__ = _fail

    def __repr__(self) -> str:
        return f"<{self._path}: not converted by porter>"


def _base(path: str) -> type:
    """The base a class derived from a stand-in gets: the class statement runs, so its module imports;
    making an instance, or reading what the Paddle base would have given the class, raises naming it."""

    class UnconvertedBase(type):
        def __getattr__(cls, name: str) -> object:
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            raise NotImplementedError(_message(f"{path}.{name}"))

    def new(cls: type, *args: object, **kwargs: object) -> object:
        raise NotImplementedError(_message(path))

    return UnconvertedBase(f"Unconverted[{path}]", (), {"__new__": new, "__module__": __name__})


def _message(path: str) -> str:
    return (
        f"{path} was not converted to PyTorch by porter: "
        "port this statement by hand (see the '# porter: TODO' comment above it)"
    )
