"""The benchmarks, run by bench/run.py; ``row`` is the shape of what each one reports."""


def row(benchmark: str, median: str, target: str = "", met: bool | None = None) -> dict:
    """One line of the results table: what, the figure, the target, and whether it is met."""
    return {"benchmark": benchmark, "median": median, "target": target, "met": met}
