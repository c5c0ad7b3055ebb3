"""The demo-data registry: each domain registers a loader; `flask demo` runs them in order."""

from collections.abc import Callable

DEMO_LOADERS: list[tuple[int, str, Callable[[], str]]] = []


def register_demo(order: int, name: str):
    """Register a loader that adds demo rows (flush only) and returns a one-line summary."""

    def decorator(loader: Callable[[], str]) -> Callable[[], str]:
        DEMO_LOADERS.append((order, name, loader))
        DEMO_LOADERS.sort(key=lambda item: item[0])
        return loader

    return decorator
