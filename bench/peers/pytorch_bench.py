"""PyTorch side of `tessera bench`: the same cases as tessera and TensorFlow.js, timed the same way.

Reads one JSON object on stdin and prints one JSON object as its last line of stdout:

  {"screen": timing | null, "timing": timing | null,
   "cases": [{"case": name, "spec": {...}, "configs": [{"blasThreads": n | null, "torchThreads": n}, ...]}]}
  -> {"blas": {"library", "version", "kernel"}, "rows": [row, ...]}

timing is {"warmup", "warmupMs", "minRuns", "maxRuns", "budgetMs", "capMs"}. With "screen", every
config of a case is timed briefly and the row lists them as "candidates" ({blasThreads,
torchThreads, ms}); with "timing", the fastest (or only) config is timed in full and the row gets
its figures and the thread counts that actually ran. A case may carry its own "timing", which
replaces the request's screen or timing for it (a GPT or BERT training step takes about a second). No
cases: just the BLAS report (a probe).

Threads are set here, not through the environment: torch.set_num_threads, and for OpenBLAS its
own openblas_set_num_threads (found in the loaded library). The OpenBLAS kernel family is fixed
when the library loads (OPENBLAS_CORETYPE, or its CPU detection), so tessera's side runs this
script once per environment it wants compared. blasThreads null: leave BLAS threads as they are
(a case that makes no BLAS call, or a BLAS whose threads cannot be set from here).
Images are NCHW here (PyTorch's layout); the shapes are the channels-last ones tessera uses, transposed.
"""
import ctypes
import json
import math
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


class CharGPT(nn.Module):
    """src/zoo/gpt.ts's GPT (as bench/peers/gpt_char_recipe.py builds it): token + position
    embeddings, pre-LN causal TransformerEncoderLayer blocks with GELU and a 4·width MLP, final
    LayerNorm, head tied to the token embedding, no dropout."""

    def __init__(self, d):
        super().__init__()
        V, T, W = d["vocabSize"], d["context"], d["width"]
        self.heads = d["heads"]
        self.wte = nn.Parameter(torch.randn(V, W) * 0.02)
        self.wpe = nn.Parameter(torch.randn(T, W) * 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(W, d["heads"], 4 * W, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True)
            for _ in range(d["layers"])])
        self.ln_f = nn.LayerNorm(W)
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), 1))

    def forward(self, x):
        t = x.shape[1]
        h = self.wte[x] + self.wpe[:t]
        for block in self.blocks:
            h = block(h, src_mask=self.mask[:t, :t])
        return self.ln_f(h) @ self.wte.t()

    def step(self, ids, cache):
        """GPT.step of src/zoo/gpt.ts: logits of `ids` [batch, t] after the cached tokens, whose
        keys and values (per layer, [batch, heads, time, headSize]) get the new ones appended."""
        b, t = ids.shape
        past = cache["length"]
        W = self.wte.shape[1]
        hs = W // self.heads
        total = past + t
        # Query i (at position past + i) may not look at keys after it; a single new token sees them all.
        mask = torch.triu(torch.full((t, total), float("-inf")), past + 1) if t > 1 else None
        x = self.wte[ids] + self.wpe[past:total]
        for l, block in enumerate(self.blocks):
            attn = block.self_attn
            q, k, v = F.linear(block.norm1(x), attn.in_proj_weight, attn.in_proj_bias).split(W, dim=2)
            q, k, v = (z.view(b, t, self.heads, hs).transpose(1, 2) for z in (q, k, v))
            if past:
                k = torch.cat([cache["keys"][l], k], 2)
                v = torch.cat([cache["values"][l], v], 2)
            cache["keys"][l], cache["values"][l] = k, v
            scores = q @ k.transpose(-2, -1) / math.sqrt(hs)
            if mask is not None:
                scores = scores + mask
            out = torch.softmax(scores, -1) @ v
            x = x + attn.out_proj(out.transpose(1, 2).reshape(b, t, W))
            x = x + block.linear2(F.gelu(block.linear1(block.norm2(x))))
        cache["length"] = total
        return self.ln_f(x) @ self.wte.t()


def tokens(n):
    return lambda ms: {"tokensPerSecond": n / (ms / 1000)}


def recipe_update(model, weight_decay, warmup, total):
    """src/zoo/pretrain-loop.ts's update as a function of the loss: AdamW (decay on matrices only, as
    paramGroupsWithoutDecay), gradients clipped at norm 1, linear warm-up then cosine to 0.1; the loss read."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)

    def factor(t):
        if t < warmup:
            return t / warmup
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(t - warmup, total - warmup) / (total - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)

    def update(loss):
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        loss.item()

    return update


def gpt_train(spec):
    """One step of `tessera pretrain gpt`'s recipe (gpt_char_recipe.py's loop) on fresh random tokens."""
    d, batch = spec["gpt"], spec["batch"]
    V, T = d["vocabSize"], d["context"]
    model = CharGPT(d).train()
    update = recipe_update(model, weight_decay=0.1, warmup=100, total=5000)

    def step():
        x = torch.randint(0, V, (batch, T))
        y = torch.randint(0, V, (batch, T))
        update(F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1)))

    return step, tokens(batch * T)


def gpt_generate(spec):
    """`generate` of src/zoo/gpt.ts at temperature 0: the prompt run once, then one cached step per new token."""
    d, n = spec["gpt"], spec["tokens"]
    model = CharGPT(d).eval()
    prompt = (torch.arange(spec["prompt"]) % d["vocabSize"]).view(1, -1)

    def call():
        with torch.no_grad():
            cache = {"keys": [None] * d["layers"], "values": [None] * d["layers"], "length": 0}
            logits = model.step(prompt, cache)
            for i in range(n):
                token = int(logits[0, -1].argmax())
                if i + 1 < n:
                    logits = model.step(torch.tensor([[token]]), cache)

    return call, tokens(n)


class Bert(nn.Module):
    """src/zoo/bert.ts's BERT with pre-training's settings: token + position + segment-0 embeddings,
    LayerNorm (eps 1e-12), post-LN TransformerEncoderLayer blocks (GELU, 4·width MLP, eps 1e-5 as
    tessera's blocks), no dropout; the MLM head (dense, GELU, LayerNorm eps 1e-12, the token
    embedding transposed plus a bias) scores only the positions it is given."""

    def __init__(self, d):
        super().__init__()
        V, T, W = d["vocabSize"], d["context"], d["width"]
        self.wte = nn.Parameter(torch.randn(V, W) * 0.02)
        self.wpe = nn.Parameter(torch.randn(T, W) * 0.02)
        self.wse = nn.Parameter(torch.randn(2, W) * 0.02)
        self.ln_emb = nn.LayerNorm(W, eps=1e-12)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(W, d["heads"], 4 * W, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=False)
            for _ in range(d["layers"])])
        self.mlm_dense = nn.Linear(W, W)
        self.mlm_ln = nn.LayerNorm(W, eps=1e-12)
        self.mlm_bias = nn.Parameter(torch.zeros(V))

    def forward(self, ids, padding):
        """ids [batch, time] and padding (True on [PAD]) → hidden states [batch, time, width]."""
        h = self.ln_emb(self.wte[ids] + self.wpe[:ids.shape[1]] + self.wse[0])
        for block in self.blocks:
            h = block(h, src_key_padding_mask=padding)
        return h

    def mlm_logits(self, hidden):
        """Hidden states [rows, width] (the masked positions) → logits [rows, vocab]."""
        return self.mlm_ln(F.gelu(self.mlm_dense(hidden))) @ self.wte.t() + self.mlm_bias


def mask_tokens(ids, vocab, mask_id=4, first=5, p=0.15):
    """src/zoo/bert-mask.ts's maskTokens: 15 % of the regular tokens chosen; 80 % [MASK], 10 % random, 10 % kept."""
    chosen = (ids >= first) & (torch.rand(ids.shape) < p)
    how = torch.rand(ids.shape)
    random = torch.randint(first, vocab, ids.shape)
    replaced = torch.where(how < 0.8, torch.full_like(ids, mask_id), torch.where(how < 0.9, random, ids))
    return torch.where(chosen, replaced, ids), torch.where(chosen, ids, torch.full_like(ids, -100))


def bert_train(spec):
    """One step of `tessera pretrain bert`'s recipe (bert-train.ts's loop) on fresh random regular tokens."""
    d, batch = spec["bert"], spec["batch"]
    V, T = d["vocabSize"], d["context"]
    model = Bert(d).train()
    # paramGroupsWithoutDecay: decay on every matrix (the embeddings included), none on vectors.
    update = recipe_update(model, weight_decay=0.01, warmup=200, total=2000)
    # The recipe always passes an attention mask; these rows have no padding.
    padding = torch.zeros(batch, T, dtype=torch.bool)

    def step():
        inputs, labels = mask_tokens(torch.randint(5, V, (batch, T)), V)
        hidden = model(inputs, padding)
        picked = labels != -100  # boolean indexing, as HF's efficient MLM heads: only the masked rows
        update(F.cross_entropy(model.mlm_logits(hidden[picked]), labels[picked]))

    params = sum(p.numel() for p in model.parameters())
    return step, lambda ms: {"tokensPerSecond": batch * T / (ms / 1000), "params": params}


def lstm_train(spec):
    """nn.LSTM (batch first) → its last output → Linear; Adam; cross-entropy (the softmax folded in)."""
    batch = spec["batch"]
    lstm = nn.LSTM(spec["features"], spec["units"], batch_first=True)
    head = nn.Linear(spec["units"], spec["classes"])
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    x = torch.randn(batch, spec["time"], spec["features"])
    y = torch.randint(0, spec["classes"], (batch,))

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        F.cross_entropy(head(out[:, -1]), y).backward()
        opt.step()

    return step, samples(batch)


# Each kind builds its inputs once and returns (one call, figures from its median ms).
KINDS = {
    "gemm": gemm, "elementwise": elementwise, "conv": conv, "cnn-train": cnn_train, "cnn-infer": cnn_infer,
    "gpt-train": gpt_train, "gpt-generate": gpt_generate, "bert-train": bert_train, "lstm-train": lstm_train,
}


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
            ms, _ = measure(fn, item.get("timing") or request["screen"])
            candidates.append({**config, "ms": ms})
        row["candidates"] = candidates
        configs = [min(candidates, key=lambda c: c["ms"])]
    if request.get("timing"):
        chosen = configs[0]
        use(chosen)
        ms, runs = measure(fn, item.get("timing") or request["timing"])
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
