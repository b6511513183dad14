"""PyTorch side of `tessera bench`: the same cases as tessera and TensorFlow.js, timed the same way.

Reads one JSON object on stdin and prints one JSON object as its last line of stdout:

  {"screen": timing | null, "timing": timing | null,
   "cases": [{"case": name, "spec": {...}, "configs": [{"blasThreads": n | null, "torchThreads": n}, ...]}]}
  -> {"blas": {"library", "version", "kernel"}, "rows": [row, ...]}

timing is {"warmup", "warmupMs", "minRuns", "maxRuns", "budgetMs", "capMs"}. With "screen", every
config of a case is timed briefly and the row lists them as "candidates" ({blasThreads,
torchThreads, ms}); with "timing", the fastest (or only) config is timed in full and the row gets
its figures and the thread counts that actually ran. No cases: just the BLAS report (a probe).

Threads are set here, not through the environment: torch.set_num_threads, and for OpenBLAS its
own openblas_set_num_threads (found in the loaded library). The OpenBLAS kernel family is fixed
when the library loads (OPENBLAS_CORETYPE, or its CPU detection), so tessera's side runs this
script once per environment it wants compared. blasThreads null: leave BLAS threads as they are
(a case that makes no BLAS call, or a BLAS whose threads cannot be set from here).
Images are NCHW here (PyTorch's layout); the shapes are the channels-last ones tessera uses, transposed.
"""
import ctypes
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def measure(fn, timing):
    """The same rules as src/bench/timing.ts: warm-up (a count and a time), then runs until minRuns and the budget, capped."""
    warm_start = time.perf_counter()
    warmed = 0
    while warmed < timing["warmup"] or (time.perf_counter() - warm_start) * 1000 < timing.get("warmupMs", 0):
        warmed += 1
        t0 = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t0) * 1000
        if ms >= timing["capMs"]:
            return ms, 1
    times = []
    start = time.perf_counter()
    while True:
        elapsed = (time.perf_counter() - start) * 1000
        runs = len(times)
        if runs >= timing["maxRuns"] or (runs >= timing["minRuns"] and elapsed >= timing["budgetMs"]) or (
            runs >= 1 and elapsed >= timing["capMs"]
        ):
            break
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def peak_rss_mib():
    # ru_maxrss is KiB on Linux: the process's high-water mark so far, not this case's alone.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Blas:
    """The BLAS library torch calls, what it reports about itself, and its thread count where settable."""

    def __init__(self):
        self.info = {"library": "unknown"}
        self._openblas = None
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "/" in line}
        except OSError:
            paths = set()
        openblas = sorted(p for p in paths if "openblas" in p.rsplit("/", 1)[-1] and ".so" in p)
        if openblas:
            lib = ctypes.CDLL(openblas[0])
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            config = lib.openblas_get_config().decode().split()
            self._openblas = lib
            self.info = {
                "library": "OpenBLAS",
                "version": config[1] if len(config) > 1 and config[0] == "OpenBLAS" else None,
                "kernel": lib.openblas_get_corename().decode(),
            }
        elif torch.backends.mkl.is_available():
            self.info = {"library": "MKL"}  # MKL runs on torch's own OpenMP threads
        elif any("blis" in p.rsplit("/", 1)[-1] for p in paths):
            self.info = {"library": "BLIS"}
        elif any(p.rsplit("/", 1)[-1].startswith("libblas.so") for p in paths):
            self.info = {"library": "reference BLAS"}  # netlib: one thread, no kernels to choose

    def set_threads(self, n):
        if self._openblas is not None and n is not None:
            self._openblas.openblas_set_num_threads(int(n))

    def threads(self):
        """The BLAS thread count in force, where it can be read (MKL follows torch's)."""
        if self._openblas is not None:
            return self._openblas.openblas_get_num_threads()
        if self.info["library"] == "MKL":
            return torch.get_num_threads()
        if self.info["library"] == "reference BLAS":
            return 1
        return None


def gemm(spec):
    a = torch.randn(spec["m"], spec["k"])
    b = torch.randn(spec["k"], spec["n"])
    flop = 2 * spec["m"] * spec["k"] * spec["n"]
    return (lambda: torch.mm(a, b)), lambda ms: {"gflops": flop / (ms * 1e6)}


def conv(spec):
    n, h, w, cin = spec["x"]
    kh, kw, _, cout = spec["kernel"]
    x = torch.randn(n, cin, h, w, requires_grad=True)
    k = torch.randn(cout, cin, kh, kw, requires_grad=True)

    def step():
        x.grad = None
        k.grad = None
        F.conv2d(x, k).sum().backward()

    flop = 3 * 2 * n * (h - kh + 1) * (w - kw + 1) * kh * kw * cin * cout
    return step, lambda ms: {"gflops": flop / (ms * 1e6)}


def seed_cnn():
    """The seed's MNIST CNN; the final softmax is folded into the loss (cross_entropy takes logits)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def samples(batch):
    return lambda ms: {"samplesPerSecond": batch / (ms / 1000)}


def cnn_train(spec):
    batch = spec["batch"]
    model = seed_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step, samples(batch)


def cnn_infer(spec):
    batch = spec["batch"]
    model = seed_cnn().eval()
    x = torch.rand(batch, 1, 28, 28)

    def step():
        with torch.no_grad():
            torch.softmax(model(x), dim=1)

    return step, samples(batch)


def elementwise(spec):
    shape = spec["shape"]
    x = torch.randn(*shape)
    bias = torch.randn(shape[-1])
    ops = {
        "relu": lambda: torch.relu(x),
        "exp": lambda: torch.exp(x),
        "tanh": lambda: torch.tanh(x),
        "add": lambda: x + bias,
        "sum": lambda: x.sum(-1),
        "softmax": lambda: torch.softmax(x, -1),
    }
    return ops[spec["op"]], lambda ms: {}


# Each kind builds its inputs once and returns (one call, figures from its median ms).
KINDS = {"gemm": gemm, "elementwise": elementwise, "conv": conv, "cnn-train": cnn_train, "cnn-infer": cnn_infer}


def run_case(item, request, blas):
    fn, figures = KINDS[item["spec"]["kind"]](item["spec"])
    configs = item["configs"]
    row = {}

    def use(config):
        torch.set_num_threads(int(config["torchThreads"]))
        blas.set_threads(config.get("blasThreads"))

    if request.get("screen"):
        candidates = []
        for config in configs:
            use(config)
            ms, _ = measure(fn, request["screen"])
            candidates.append({**config, "ms": ms})
        row["candidates"] = candidates
        configs = [min(candidates, key=lambda c: c["ms"])]
    if request.get("timing"):
        chosen = configs[0]
        use(chosen)
        ms, runs = measure(fn, request["timing"])
        row.update(figures(ms))
        row.update({"ms": ms, "runs": runs, "torchThreads": torch.get_num_threads()})
        if chosen.get("blasThreads") is not None:
            row["blasThreads"] = blas.threads()
    row["peakRssMiB"] = peak_rss_mib()
    return row


def main():
    request = json.load(sys.stdin)
    torch.manual_seed(0)
    blas = Blas()
    rows = []
    for item in request.get("cases", []):
        row = {"case": item["case"], "engine": "pytorch"}
        try:
            row.update(run_case(item, request, blas))
        except Exception as e:  # one case failing must not lose the others' rows
            row["note"] = f"cannot run this case: {type(e).__name__}: {e}"[:200]
        rows.append(row)
    print(json.dumps({"blas": blas.info, "rows": rows}))


if __name__ == "__main__":
    main()
