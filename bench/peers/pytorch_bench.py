"""PyTorch side of `tessera bench`: the same cases as tessera and TensorFlow.js, timed the same way.

Reads one JSON object on stdin: {"timing": {"warmup", "warmupMs", "minRuns", "maxRuns", "budgetMs", "capMs"},
"threads": 2, "cases": [{"case": name, "spec": {...}}]}, and prints one JSON array of rows
(case, engine "pytorch", figures) as its last line of stdout. Run with OPENBLAS_NUM_THREADS=1:
torch's own threads split the work, and OpenBLAS threads on top of them only oversubscribe the cores.
Images are NCHW here (PyTorch's layout); the shapes are the channels-last ones tessera uses, transposed.
"""
import json
import os
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


def gemm(spec, timing):
    a = torch.randn(spec["m"], spec["k"])
    b = torch.randn(spec["k"], spec["n"])
    ms, runs = measure(lambda: torch.mm(a, b), timing)
    return {"gflops": 2 * spec["m"] * spec["k"] * spec["n"] / (ms * 1e6), "ms": ms, "runs": runs}


def conv(spec, timing):
    n, h, w, cin = spec["x"]
    kh, kw, _, cout = spec["kernel"]
    x = torch.randn(n, cin, h, w, requires_grad=True)
    k = torch.randn(cout, cin, kh, kw, requires_grad=True)

    def step():
        x.grad = None
        k.grad = None
        F.conv2d(x, k).sum().backward()

    ms, runs = measure(step, timing)
    flop = 3 * 2 * n * (h - kh + 1) * (w - kw + 1) * kh * kw * cin * cout
    return {"gflops": flop / (ms * 1e6), "ms": ms, "runs": runs}


def seed_cnn():
    """The seed's MNIST CNN; the final softmax is folded into the loss (cross_entropy takes logits)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def cnn_train(spec, timing):
    batch = spec["batch"]
    model = seed_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    ms, runs = measure(step, timing)
    return {"samplesPerSecond": batch / (ms / 1000), "ms": ms, "runs": runs}


def cnn_infer(spec, timing):
    batch = spec["batch"]
    model = seed_cnn().eval()
    x = torch.rand(batch, 1, 28, 28)

    def step():
        with torch.no_grad():
            torch.softmax(model(x), dim=1)

    ms, runs = measure(step, timing)
    return {"samplesPerSecond": batch / (ms / 1000), "ms": ms, "runs": runs}


def elementwise(spec, timing):
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
    ms, runs = measure(ops[spec["op"]], timing)
    return {"ms": ms, "runs": runs}


KINDS = {"gemm": gemm, "elementwise": elementwise, "conv": conv, "cnn-train": cnn_train, "cnn-infer": cnn_infer}


def blas_in_use():
    """Which BLAS library the process mapped (Debian's torch uses the system libblas.so.3)."""
    try:
        with open("/proc/self/maps") as maps:
            text = maps.read()
    except OSError:
        return "unknown"
    if "openblas" in text:
        core = os.environ.get("OPENBLAS_CORETYPE")
        return f"openblas {core}" if core else "openblas"
    return "reference" if "libblas" in text else "unknown"


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(request.get("threads", 2))
    torch.manual_seed(0)
    rows = []
    for item in request["cases"]:
        spec = item["spec"]
        row = {"case": item["case"], "engine": "pytorch"}
        try:
            row.update(KINDS[spec["kind"]](spec, request["timing"]))
            row["peakRssMiB"] = peak_rss_mib()
        except Exception as e:  # one case failing must not lose the others' rows
            row["note"] = f"cannot run this case: {type(e).__name__}: {e}"[:200]
        rows.append(row)
    blas = blas_in_use()
    for row in rows:
        row["threads"] = torch.get_num_threads()
        row["blas"] = blas
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
